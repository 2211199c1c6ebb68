// libFuzzer target: bytes -> the decoders of stored values (intent records,
// chain events, solver counters, sealed small values). Invariants: nothing
// crashes or reads outside the input, a decoded record or event encodes
// and decodes again to the same bytes' meaning, and any change to a sealed
// value (format 2) is refused.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "persistence/chain_event_codec.hpp"
#include "persistence/checksum.hpp"
#include "persistence/record_codec.hpp"

using namespace intentd;

namespace {

void record_round_trip(std::string_view bytes) {
  auto rec = decode_record(bytes);
  if (!rec)
    return;
  auto again = encode_record(*rec);
  auto back = decode_record(again);
  if (!back || encode_record(*back) != again)
    std::abort();
  // Every single flipped bit of a sealed record is refused.
  for (std::size_t i = 0; i < again.size() && i < 64; ++i) {
    auto bad = again;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    if (decode_record(bad))
      std::abort();
  }
}

void event_round_trip(std::string_view bytes) {
  auto e = decode_chain_event(bytes);
  if (!e)
    return;
  auto again = encode_chain_event(*e);
  auto back = decode_chain_event(again);
  if (!back || !(*back == *e))
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Copied, so that ASan sees any read past the end.
  std::string in(reinterpret_cast<const char*>(data), size);
  record_round_trip(in);
  event_round_trip(in);
  // Format 1 has no checksum: the field decoders see the bytes as they are.
  record_round_trip("ir\x01" + in);
  event_round_trip("ce\x01" + in);
  solver_stats s;
  decode_solver_stats(in, s);
  if (auto payload = unseal_value("key", in))
    if (seal_value("key", *payload) != in)
      std::abort();
  return 0;
}
