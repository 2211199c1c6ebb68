#include "persistence/record_codec.hpp"

#include <new>

namespace intentd {

namespace {

constexpr uint8_t action_count = 3;
constexpr std::size_t header_size = 3;

class writer {
public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }

  void fixed(uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i)
      u8(static_cast<uint8_t>(v >> (8 * i)));
  }

  void u32(uint32_t v) { fixed(v, 4); }
  void u64(uint64_t v) { fixed(v, 8); }
  void i64(int64_t v) { fixed(static_cast<uint64_t>(v), 8); }

  void u128(units v) {
    fixed(static_cast<uint64_t>(v), 8);
    fixed(static_cast<uint64_t>(v >> 64), 8);
  }

  void varint(uint64_t v) {
    while (v >= 0x80) {
      u8(static_cast<uint8_t>(v) | 0x80);
      v >>= 7;
    }
    u8(static_cast<uint8_t>(v));
  }

  void str(std::string_view s) {
    varint(s.size());
    out_.append(s.data(), s.size());
  }

  std::string take() { return std::move(out_); }

private:
  std::string out_;
};

// Reads until the first failure, after which every read yields zero and
// `ok()` stays false; the caller checks once at the end.
class reader {
public:
  explicit reader(std::string_view in, std::size_t start = 0)
      : in_(in), pos_(start) {}

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  std::size_t pos() const { return pos_; }
  std::size_t remaining() const { return in_.size() - pos_; }

  void fail(std::string what) {
    if (ok())
      error_ = std::move(what) + " at byte " + std::to_string(pos_);
  }

  uint8_t u8() {
    if (!ok() || remaining() < 1) {
      fail("truncated");
      return 0;
    }
    return static_cast<uint8_t>(in_[pos_++]);
  }

  uint64_t fixed(int bytes) {
    if (!ok() || remaining() < static_cast<std::size_t>(bytes)) {
      fail("truncated");
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i)
      v |= uint64_t{static_cast<uint8_t>(in_[pos_++])} << (8 * i);
    return v;
  }

  uint32_t u32() { return static_cast<uint32_t>(fixed(4)); }
  uint64_t u64() { return fixed(8); }
  int64_t i64() { return static_cast<int64_t>(fixed(8)); }

  units u128() {
    units lo = fixed(8);
    units hi = fixed(8);
    return lo | (hi << 64);
  }

  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b = u8();
      if (!ok())
        return 0;
      v |= uint64_t{b & 0x7fu} << shift;
      if ((b & 0x80) == 0)
        return v;
    }
    fail("overlong varint");
    return 0;
  }

  // A list length; each element takes at least `min_size` bytes, so a
  // length beyond what is left is corrupt and never allocated.
  std::size_t count(std::size_t min_size) {
    uint64_t n = varint();
    if (ok() && n > remaining() / min_size)
      fail("list length beyond the input");
    return ok() ? static_cast<std::size_t>(n) : 0;
  }

  std::string str() {
    std::size_t n = count(1);
    if (!ok())
      return {};
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }

  bool flag() {
    uint8_t b = u8();
    if (b > 1)
      fail("bad flag");
    return b == 1;
  }

  intent_status status() {
    uint8_t b = u8();
    if (b >= intent_status_count)
      fail("unknown status");
    return static_cast<intent_status>(b);
  }

private:
  std::string_view in_;
  std::size_t pos_ = 0;
  std::string error_;
};

void write_request(writer& w, const intent& r) {
  w.str(r.id);
  w.str(r.user_account);
  w.u8(static_cast<uint8_t>(r.action));
  w.str(r.input_token);
  w.u128(r.input_amount);
  w.str(r.output_token);
  w.u128(r.min_output_amount);
  w.u32(r.max_slippage_bps);
  w.str(r.recipient);
  w.i64(r.expires_at);
  w.u64(r.nonce);
  w.str(r.signature);
}

void read_request(reader& r, intent& out) {
  out.id = r.str();
  out.user_account = r.str();
  uint8_t action = r.u8();
  if (action >= action_count)
    r.fail("unknown action");
  out.action = static_cast<action_kind>(action);
  out.input_token = r.str();
  out.input_amount = r.u128();
  out.output_token = r.str();
  out.min_output_amount = r.u128();
  out.max_slippage_bps = r.u32();
  out.recipient = r.str();
  out.expires_at = r.i64();
  out.nonce = r.u64();
  out.signature = r.str();
}

void write_execution(writer& w, const execution_info& e) {
  w.str(e.solver_id);
  w.u32(e.attempts);
  w.varint(e.transactions.size());
  for (const auto& tx : e.transactions) {
    w.str(tx.hash);
    w.str(tx.chain);
    w.str(tx.status);
  }
  w.u64(e.gas_used);
  w.u128(e.total_cost);
  w.u8(e.output_amount ? 1 : 0);
  if (e.output_amount)
    w.u128(*e.output_amount);
}

void read_execution(reader& r, execution_info& out) {
  out.solver_id = r.str();
  out.attempts = r.u32();
  std::size_t n = r.count(3);
  out.transactions.resize(n);
  for (auto& tx : out.transactions) {
    tx.hash = r.str();
    tx.chain = r.str();
    tx.status = r.str();
  }
  out.gas_used = r.u64();
  out.total_cost = r.u128();
  if (r.flag())
    out.output_amount = r.u128();
}

} // namespace

std::string encode_record(const intent_record& rec) {
  writer w;
  w.u8(static_cast<uint8_t>(record_magic[0]));
  w.u8(static_cast<uint8_t>(record_magic[1]));
  w.u8(record_format_version);
  write_request(w, rec.request);
  w.u8(static_cast<uint8_t>(rec.status));
  w.str(rec.status_message);
  w.i64(rec.created_at);
  w.i64(rec.updated_at);
  w.varint(rec.history.size());
  for (const auto& h : rec.history) {
    w.u8(static_cast<uint8_t>(h.status));
    w.i64(h.at);
  }
  write_execution(w, rec.execution);
  w.u8(rec.error ? 1 : 0);
  if (rec.error) {
    w.str(rec.error->code);
    w.str(rec.error->message);
  }
  w.u64(rec.seq);
  w.str(rec.body_digest);
  w.u8(rec.dead_letter ? 1 : 0);
  return w.take();
}

outcome<intent_record> decode_record(std::string_view bytes) try {
  auto refuse = [](std::string why) {
    return problem{errc::internal, "stored record refused: " + why, {}};
  };
  if (bytes.size() < header_size || bytes[0] != record_magic[0] ||
      bytes[1] != record_magic[1])
    return refuse("not an intent record");
  auto version = static_cast<uint8_t>(bytes[2]);
  if (version != record_format_version)
    return refuse("unknown format version " + std::to_string(version));
  reader r{bytes, header_size};
  intent_record rec;
  read_request(r, rec.request);
  rec.status = r.status();
  rec.status_message = r.str();
  rec.created_at = r.i64();
  rec.updated_at = r.i64();
  rec.history.resize(r.count(9));
  for (auto& h : rec.history) {
    h.status = r.status();
    h.at = r.i64();
  }
  read_execution(r, rec.execution);
  if (r.flag()) {
    intent_error err;
    err.code = r.str();
    err.message = r.str();
    rec.error = std::move(err);
  }
  rec.seq = r.u64();
  rec.body_digest = r.str();
  rec.dead_letter = r.flag();
  if (r.ok() && r.remaining() != 0)
    r.fail("trailing bytes");
  if (!r.ok())
    return refuse(r.error());
  return rec;
} catch (const std::bad_alloc&) {
  return problem{errc::internal, "stored record refused: out of memory", {}};
}

std::string encode_solver_stats(const solver_stats& stats) {
  writer w;
  w.u8(solver_stats_format_version);
  w.u64(stats.attempts);
  w.u64(stats.successes);
  w.u64(stats.failures);
  w.u64(stats.total_execution_us);
  return w.take();
}

bool decode_solver_stats(std::string_view bytes, solver_stats& out) {
  reader r{bytes};
  if (r.u8() != solver_stats_format_version)
    return false;
  solver_stats s;
  s.attempts = r.u64();
  s.successes = r.u64();
  s.failures = r.u64();
  s.total_execution_us = r.u64();
  if (!r.ok() || r.remaining() != 0)
    return false;
  s.solver_id = std::move(out.solver_id);
  out = std::move(s);
  return true;
}

} // namespace intentd
