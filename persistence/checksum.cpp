#include "persistence/checksum.hpp"

#include <array>
#include <cstring>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
#define INTENTD_CRC32C_SSE42 1
#endif

namespace intentd {

namespace {

constexpr uint32_t polynomial = 0x82F63B78u;

using crc_tables = std::array<std::array<uint32_t, 256>, 8>;

/// Slice-by-8 tables: tables[0] is the byte-at-a-time table, tables[k][i]
/// the CRC of byte i followed by k zero bytes.
constexpr crc_tables make_tables() {
  crc_tables t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc & 1u) ? (crc >> 1) ^ polynomial : crc >> 1;
    t[0][i] = crc;
  }
  for (std::size_t k = 1; k < 8; ++k)
    for (uint32_t i = 0; i < 256; ++i)
      t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xffu];
  return t;
}

constexpr crc_tables tables = make_tables();

uint64_t load_u64_le(const char* p) {
  unsigned char b[8];
  std::memcpy(b, p, 8);
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | b[i];
  return v;
}

/// `crc` is the inverted running value.
uint32_t extend_portable(uint32_t crc, const char* p, std::size_t n) {
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word = load_u64_le(p) ^ crc;
    crc = tables[7][word & 0xffu] ^ tables[6][(word >> 8) & 0xffu] ^
          tables[5][(word >> 16) & 0xffu] ^ tables[4][(word >> 24) & 0xffu] ^
          tables[3][(word >> 32) & 0xffu] ^ tables[2][(word >> 40) & 0xffu] ^
          tables[1][(word >> 48) & 0xffu] ^ tables[0][word >> 56];
  }
  for (; n > 0; ++p, --n)
    crc = tables[0][(crc ^ static_cast<uint8_t>(*p)) & 0xffu] ^ (crc >> 8);
  return crc;
}

#ifdef INTENTD_CRC32C_SSE42
/// The same with SSE 4.2's crc32 instruction (it computes CRC-32C).
__attribute__((target("sse4.2"))) uint32_t
extend_sse42(uint32_t crc, const char* p, std::size_t n) {
  uint64_t c = crc;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
  }
  auto c32 = static_cast<uint32_t>(c);
  for (; n > 0; ++p, --n)
    c32 = _mm_crc32_u8(c32, static_cast<uint8_t>(*p));
  return c32;
}

bool has_sse42() {
  static const bool yes = __builtin_cpu_supports("sse4.2") != 0;
  return yes;
}
#endif

uint32_t read_u32_le(std::string_view s) {
  uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i)
    v |= uint32_t{static_cast<uint8_t>(s[i])} << (8 * i);
  return v;
}

} // namespace

uint32_t crc32c_extend(uint32_t crc, std::string_view more) {
#ifdef INTENTD_CRC32C_SSE42
  if (has_sse42())
    return ~extend_sse42(~crc, more.data(), more.size());
#endif
  return ~extend_portable(~crc, more.data(), more.size());
}

uint32_t crc32c_extend_portable(uint32_t crc, std::string_view more) {
  return ~extend_portable(~crc, more.data(), more.size());
}

uint32_t crc32c(std::string_view bytes) {
  return crc32c_extend(0, bytes);
}

std::string seal_value(std::string_view key, std::string_view payload) {
  uint32_t crc = crc32c_extend(crc32c(key), payload);
  std::string out;
  out.reserve(payload.size() + seal_size);
  out.append(payload.data(), payload.size());
  for (std::size_t i = 0; i < seal_size; ++i)
    out.push_back(static_cast<char>(crc >> (8 * i)));
  return out;
}

std::optional<std::string_view> unseal_value(std::string_view key,
                                             std::string_view value) {
  if (value.size() < seal_size)
    return std::nullopt;
  auto payload = value.substr(0, value.size() - seal_size);
  if (read_u32_le(value.substr(payload.size())) !=
      crc32c_extend(crc32c(key), payload))
    return std::nullopt;
  return payload;
}

} // namespace intentd
