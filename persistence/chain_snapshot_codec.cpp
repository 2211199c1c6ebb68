#include "persistence/chain_snapshot_codec.hpp"

#include "persistence/byte_io.hpp"
#include "persistence/checksum.hpp"

namespace intentd {

namespace {

void put_units(bytes::writer& w, units v) {
  while (v >= 0x80) {
    w.u8(static_cast<uint8_t>(v) | 0x80);
    v >>= 7;
  }
  w.u8(static_cast<uint8_t>(v));
}

units get_units(bytes::reader& r) {
  units v = 0;
  for (int shift = 0; shift < 128; shift += 7) {
    uint8_t b = r.u8();
    if (!r.ok())
      return 0;
    v |= units{b & 0x7fu} << shift;
    if ((b & 0x80) == 0)
      return v;
  }
  r.fail("overlong amount");
  return 0;
}

problem corrupt(const std::string& what) {
  return problem{
      errc::storage_corrupt, "the chain journal's ledger snapshot " + what, {}};
}

} // namespace

std::string encode_chain_snapshot(const chain_ledger& ledger) {
  bytes::writer w;
  w.u8(chain_snapshot_version);
  w.varint(ledger.events);
  w.varint(ledger.block);
  w.varint(ledger.balances.size());
  for (const auto& [account, balances] : ledger.balances) {
    w.str(account);
    w.varint(balances.size());
    for (const auto& [token, amount] : balances) {
      w.str(token);
      put_units(w, amount);
    }
  }
  w.varint(ledger.reservations.size());
  for (const auto& [id, r] : ledger.reservations) {
    w.str(id);
    w.str(r.account);
    w.str(r.token);
    put_units(w, r.amount);
  }
  auto out = w.take();
  uint32_t crc = crc32c(out);
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>(crc >> (8 * i)));
  return out;
}

outcome<chain_ledger> decode_chain_snapshot(std::string_view bytes_in) {
  if (bytes_in.size() < 5)
    return corrupt("is truncated (" + std::to_string(bytes_in.size()) +
                   " bytes)");
  auto body = bytes_in.substr(0, bytes_in.size() - 4);
  uint32_t stored = 0;
  for (int i = 0; i < 4; ++i)
    stored |= uint32_t{static_cast<uint8_t>(bytes_in[body.size() + i])}
              << (8 * i);
  if (crc32c(body) != stored)
    return corrupt("fails its checksum");
  if (static_cast<uint8_t>(body[0]) != chain_snapshot_version)
    return corrupt("has the unknown version " +
                   std::to_string(static_cast<uint8_t>(body[0])));
  bytes::reader r(body, 1);
  chain_ledger out;
  out.events = r.varint();
  out.block = r.varint();
  auto accounts = r.count(2);
  for (std::size_t i = 0; i < accounts && r.ok(); ++i) {
    auto& balances = out.balances[r.str()];
    auto tokens = r.count(2);
    for (std::size_t t = 0; t < tokens && r.ok(); ++t) {
      auto token = r.str();
      balances[token] = get_units(r);
    }
  }
  auto held = r.count(4);
  for (std::size_t i = 0; i < held && r.ok(); ++i) {
    auto id = r.str();
    chain_ledger::held h;
    h.account = r.str();
    h.token = r.str();
    h.amount = get_units(r);
    out.reservations.emplace(std::move(id), std::move(h));
  }
  if (r.ok() && r.remaining() != 0)
    r.fail("trailing bytes");
  if (!r.ok())
    return corrupt("does not parse: " + r.error());
  return out;
}

void fold_chain_reservations(chain_ledger& ledger, const chain_event& e) {
  ++ledger.events;
  switch (e.kind) {
  case chain_event_kind::reserve:
    ledger.reservations[e.intent_id] = {e.account, e.token, e.amount};
    return;
  case chain_event_kind::release:
    ledger.reservations.erase(e.intent_id);
    return;
  case chain_event_kind::execute:
  case chain_event_kind::revert:
  case chain_event_kind::settle:
    ledger.reservations.erase(e.intent_id);
    if (!e.tx_hash.empty())
      ledger.block = e.block;
    return;
  }
}

} // namespace intentd
