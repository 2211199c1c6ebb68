#include "persistence/chain_event_codec.hpp"

#include <new>

#include "persistence/byte_io.hpp"
#include "persistence/checksum.hpp"

namespace intentd {

namespace {

constexpr char magic[2] = {'c', 'e'};
constexpr std::size_t header_size = 3;
constexpr std::size_t crc_size = 4;

/// The checksum of a version 2 event: every byte but the checksum's own.
uint32_t event_crc(std::string_view bytes) {
  return crc32c_extend(crc32c(bytes.substr(0, header_size)),
                       bytes.substr(header_size + crc_size));
}

} // namespace

std::string encode_chain_event(const chain_event& e) {
  bytes::writer w;
  w.u8(static_cast<uint8_t>(magic[0]));
  w.u8(static_cast<uint8_t>(magic[1]));
  bool settle = e.kind == chain_event_kind::settle;
  w.u8(settle ? chain_event_settle_version : chain_event_format_version);
  w.u32(0); // the checksum, patched below
  w.u8(static_cast<uint8_t>(e.kind));
  w.str(e.intent_id);
  w.str(e.account);
  w.str(e.token);
  w.u128(e.amount);
  w.str(e.tx_hash);
  w.u64(e.block);
  if (settle) {
    w.str(e.payer);
    w.str(e.payer_token);
    w.u128(e.refund);
    w.str(e.solver_account);
    w.u128(e.solver_received);
    w.u128(e.solver_paid);
    w.u128(e.fee);
  }
  auto out = w.take();
  uint32_t crc = event_crc(out);
  for (std::size_t i = 0; i < crc_size; ++i)
    out[header_size + i] = static_cast<char>(crc >> (8 * i));
  return out;
}

outcome<chain_event> decode_chain_event(std::string_view in) try {
  auto refuse = [](std::string why) {
    return problem{errc::storage_corrupt, "chain event refused: " + why, {}};
  };
  if (in.size() < header_size || in[0] != magic[0] || in[1] != magic[1])
    return refuse("not a chain event");
  auto version = static_cast<uint8_t>(in[2]);
  std::size_t start = header_size;
  if (version == chain_event_format_version ||
      version == chain_event_settle_version) {
    if (in.size() < header_size + crc_size)
      return refuse("truncated");
    bytes::reader crc{in, header_size};
    if (crc.u32() != event_crc(in))
      return refuse("checksum mismatch");
    start += crc_size;
  } else if (version != 1) {
    return refuse("unknown format version " + std::to_string(version));
  }
  bytes::reader r{in, start};
  chain_event e;
  uint8_t kind = r.u8();
  if (kind >= chain_event_kind_count)
    r.fail("unknown kind");
  e.kind = static_cast<chain_event_kind>(kind);
  e.intent_id = r.str();
  e.account = r.str();
  e.token = r.str();
  e.amount = r.u128();
  e.tx_hash = r.str();
  e.block = r.u64();
  // Only settle events carry the settlement's fields, and they always do.
  if (r.ok() && (version == chain_event_settle_version) !=
                    (e.kind == chain_event_kind::settle))
    r.fail("a settlement in the wrong format");
  if (version == chain_event_settle_version) {
    e.payer = r.str();
    e.payer_token = r.str();
    e.refund = r.u128();
    e.solver_account = r.str();
    e.solver_received = r.u128();
    e.solver_paid = r.u128();
    e.fee = r.u128();
  }
  if (r.ok() && r.remaining() != 0)
    r.fail("trailing bytes");
  if (!r.ok())
    return refuse(r.error());
  return e;
} catch (const std::bad_alloc&) {
  return problem{
      errc::storage_corrupt, "chain event refused: out of memory", {}};
}

} // namespace intentd

namespace intentd {

namespace {

constexpr uint8_t info_format_version = 1;

} // namespace

std::string encode_chain_intent_info(const chain_intent_info& info) {
  bytes::writer w;
  w.u8(info_format_version);
  w.u8(static_cast<uint8_t>(info.action));
  w.str(info.user_account);
  w.str(info.input_token);
  w.u128(info.input_amount);
  w.str(info.output_token);
  w.str(info.recipient);
  w.i64(info.first_seen);
  w.i64(info.last_change);
  return seal_value(info.intent_id, w.take());
}

outcome<chain_intent_info> decode_chain_intent_info(std::string_view intent_id,
                                                    std::string_view bytes) {
  auto refused = [&](const std::string& why) {
    return problem{errc::storage_corrupt,
                   "chain journal: what the chain keeps of intent " +
                       std::string(intent_id) + " is refused: " + why,
                   {}};
  };
  auto payload = unseal_value(intent_id, bytes);
  if (!payload)
    return refused("its checksum does not match");
  bytes::reader r{*payload, 0};
  chain_intent_info info;
  info.intent_id = std::string(intent_id);
  if (r.u8() != info_format_version)
    r.fail("unknown format version");
  uint8_t action = r.u8();
  if (action > static_cast<uint8_t>(action_kind::stake))
    r.fail("unknown action");
  info.action = static_cast<action_kind>(action);
  info.user_account = r.str();
  info.input_token = r.str();
  info.input_amount = r.u128();
  info.output_token = r.str();
  info.recipient = r.str();
  info.first_seen = r.i64();
  info.last_change = r.i64();
  if (r.ok() && r.remaining() != 0)
    r.fail("trailing bytes");
  if (!r.ok())
    return refused(r.error());
  return info;
}

} // namespace intentd
