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
  w.u8(chain_event_format_version);
  w.u32(0); // the checksum, patched below
  w.u8(static_cast<uint8_t>(e.kind));
  w.str(e.intent_id);
  w.str(e.account);
  w.str(e.token);
  w.u128(e.amount);
  w.str(e.tx_hash);
  w.u64(e.block);
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
  if (version == chain_event_format_version) {
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
