#include "persistence/checksum.hpp"

#include <array>

namespace intentd {

namespace {

constexpr uint32_t polynomial = 0x82F63B78u;

constexpr std::array<uint32_t, 256> make_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc & 1u) ? (crc >> 1) ^ polynomial : crc >> 1;
    table[i] = crc;
  }
  return table;
}

constexpr std::array<uint32_t, 256> table = make_table();

uint32_t read_u32_le(std::string_view s) {
  uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i)
    v |= uint32_t{static_cast<uint8_t>(s[i])} << (8 * i);
  return v;
}

} // namespace

uint32_t crc32c_extend(uint32_t crc, std::string_view more) {
  crc = ~crc;
  for (char c : more)
    crc = table[(crc ^ static_cast<uint8_t>(c)) & 0xffu] ^ (crc >> 8);
  return ~crc;
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
