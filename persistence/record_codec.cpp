#include "persistence/record_codec.hpp"

#include <new>

#include "persistence/byte_io.hpp"
#include "persistence/checksum.hpp"

namespace intentd {

namespace {

using bytes::reader;
using bytes::writer;

constexpr uint8_t action_count = 3;
constexpr std::size_t header_size = 3;
constexpr std::size_t crc_size = 4;

uint32_t read_u32_le(std::string_view s) {
  uint32_t v = 0;
  for (std::size_t i = 0; i < crc_size; ++i)
    v |= uint32_t{static_cast<uint8_t>(s[i])} << (8 * i);
  return v;
}

/// The checksum of a sealed value: every byte but the checksum's own four,
/// which follow the `header` bytes.
uint32_t sealed_crc(std::string_view bytes, std::size_t header) {
  return crc32c_extend(crc32c(bytes.substr(0, header)),
                       bytes.substr(header + crc_size));
}

void patch_crc(std::string& out, std::size_t header) {
  uint32_t crc = sealed_crc(out, header);
  for (std::size_t i = 0; i < crc_size; ++i)
    out[header + i] = static_cast<char>(crc >> (8 * i));
}

intent_status read_status(reader& r) {
  uint8_t b = r.u8();
  if (b >= intent_status_count)
    r.fail("unknown status");
  return static_cast<intent_status>(b);
}

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

/// The fields of version 3, after the public key.
void write_quotes(writer& w, const execution_info& e) {
  w.u32(e.quotes);
  w.u8(e.quote ? 1 : 0);
  if (!e.quote)
    return;
  const winning_quote& q = *e.quote;
  w.str(q.request_id);
  w.str(q.solver_id);
  w.str(q.solver_account);
  w.u128(q.output_amount);
  w.u128(q.fee);
  w.i64(q.valid_until);
  w.str(q.signature);
}

void read_quotes(reader& r, execution_info& out) {
  out.quotes = r.u32();
  if (!r.flag())
    return;
  winning_quote q;
  q.request_id = r.str();
  q.solver_id = r.str();
  q.solver_account = r.str();
  q.output_amount = r.u128();
  q.fee = r.u128();
  q.valid_until = r.i64();
  q.signature = r.str();
  out.quote = std::move(q);
}

} // namespace

std::string encode_record(const intent_record& rec) {
  writer w;
  w.u8(static_cast<uint8_t>(record_magic[0]));
  w.u8(static_cast<uint8_t>(record_magic[1]));
  // Version 2 while the record holds nothing of version 3, so that a record
  // no external solver touched stays readable by a daemon that knows 2.
  bool quoted = rec.execution.quotes != 0 || rec.execution.quote;
  w.u8(quoted ? record_format_version : record_unquoted_version);
  w.u32(0); // the checksum, patched below
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
  if (quoted) {
    w.str(rec.request.public_key);
    write_quotes(w, rec.execution);
  } else if (!rec.request.public_key.empty()) {
    // Version 2 appends the key only when there is one.
    w.str(rec.request.public_key);
  }
  auto out = w.take();
  patch_crc(out, header_size);
  return out;
}

uint8_t record_version(std::string_view bytes) {
  if (bytes.size() < header_size || bytes[0] != record_magic[0] ||
      bytes[1] != record_magic[1])
    return 0;
  return static_cast<uint8_t>(bytes[2]);
}

outcome<intent_record> decode_record(std::string_view bytes) try {
  auto refuse = [](std::string why) {
    return problem{errc::storage_corrupt, "stored record refused: " + why, {}};
  };
  if (bytes.size() < header_size || bytes[0] != record_magic[0] ||
      bytes[1] != record_magic[1])
    return refuse("not an intent record");
  auto version = static_cast<uint8_t>(bytes[2]);
  std::size_t start = header_size;
  if (version == record_format_version || version == record_unquoted_version) {
    if (bytes.size() < header_size + crc_size)
      return refuse("truncated");
    if (read_u32_le(bytes.substr(header_size)) !=
        sealed_crc(bytes, header_size))
      return refuse("checksum mismatch");
    start += crc_size;
  } else if (version != record_unsealed_version) {
    return refuse("unknown format version " + std::to_string(version));
  }
  reader r{bytes, start};
  intent_record rec;
  read_request(r, rec.request);
  rec.status = read_status(r);
  rec.status_message = r.str();
  rec.created_at = r.i64();
  rec.updated_at = r.i64();
  rec.history.resize(r.count(9));
  for (auto& h : rec.history) {
    h.status = read_status(r);
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
  if (version == record_format_version) {
    rec.request.public_key = r.str();
    read_quotes(r, rec.execution);
  } else if (r.ok() && r.remaining() != 0) {
    // Versions 1 and 2 append the public key only when one was set.
    rec.request.public_key = r.str();
    if (rec.request.public_key.empty())
      r.fail("trailing bytes"); // never written empty
  }
  if (r.ok() && r.remaining() != 0)
    r.fail("trailing bytes");
  if (!r.ok())
    return refuse(r.error());
  return rec;
} catch (const std::bad_alloc&) {
  return problem{
      errc::storage_corrupt, "stored record refused: out of memory", {}};
}

std::string encode_solver_stats(const solver_stats& stats) {
  writer w;
  w.u8(solver_stats_format_version);
  w.u32(0); // the checksum, patched below
  w.u64(stats.attempts);
  w.u64(stats.successes);
  w.u64(stats.failures);
  w.u64(stats.total_execution_us);
  auto out = w.take();
  patch_crc(out, 1);
  return out;
}

bool decode_solver_stats(std::string_view bytes, solver_stats& out) {
  reader r{bytes};
  uint8_t version = r.u8();
  if (version == solver_stats_format_version) {
    if (bytes.size() < 1 + crc_size ||
        read_u32_le(bytes.substr(1)) != sealed_crc(bytes, 1))
      return false;
    r = reader{bytes, 1 + crc_size};
  } else if (version != 1) {
    return false;
  }
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
