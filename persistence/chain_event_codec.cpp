#include "persistence/chain_event_codec.hpp"

#include <new>

#include "persistence/byte_io.hpp"

namespace intentd {

namespace {

constexpr char magic[2] = {'c', 'e'};
constexpr std::size_t header_size = 3;

} // namespace

std::string encode_chain_event(const chain_event& e) {
  bytes::writer w;
  w.u8(static_cast<uint8_t>(magic[0]));
  w.u8(static_cast<uint8_t>(magic[1]));
  w.u8(chain_event_format_version);
  w.u8(static_cast<uint8_t>(e.kind));
  w.str(e.intent_id);
  w.str(e.account);
  w.str(e.token);
  w.u128(e.amount);
  w.str(e.tx_hash);
  w.u64(e.block);
  return w.take();
}

outcome<chain_event> decode_chain_event(std::string_view in) try {
  auto refuse = [](std::string why) {
    return problem{errc::internal, "chain event refused: " + why, {}};
  };
  if (in.size() < header_size || in[0] != magic[0] || in[1] != magic[1])
    return refuse("not a chain event");
  auto version = static_cast<uint8_t>(in[2]);
  if (version != chain_event_format_version)
    return refuse("unknown format version " + std::to_string(version));
  bytes::reader r{in, header_size};
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
  if (r.ok() && r.remaining() != 0)
    r.fail("trailing bytes");
  if (!r.ok())
    return refuse(r.error());
  return e;
} catch (const std::bad_alloc&) {
  return problem{errc::internal, "chain event refused: out of memory", {}};
}

} // namespace intentd
