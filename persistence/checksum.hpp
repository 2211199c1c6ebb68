#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace intentd {

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, initial value and
/// final xor 0xFFFFFFFF), the checksum of iSCSI (RFC 3720) and ext4:
/// crc32c("123456789") is 0xE3069283.
uint32_t crc32c(std::string_view bytes);

/// The CRC-32C of the concatenation of the bytes `crc` covers and `more`.
/// Uses the CPU's crc32 instruction where there is one (SSE 4.2).
uint32_t crc32c_extend(uint32_t crc, std::string_view more);

/// crc32c_extend without the CPU instruction (slice-by-8 tables), for
/// machines without SSE 4.2 and for tests that compare the two.
uint32_t crc32c_extend_portable(uint32_t crc, std::string_view more);

/// Size of the checksum seal_value appends.
constexpr std::size_t seal_size = 4;

/// A small stored value with its checksum: `payload` followed by the
/// CRC-32C of `key` and `payload` (4 bytes, little-endian). Covering the key
/// too detects a value that ends up under another key.
std::string seal_value(std::string_view key, std::string_view payload);

/// The payload of a value seal_value made under `key`; nullopt when it is
/// too short or its checksum does not match.
std::optional<std::string_view> unseal_value(std::string_view key,
                                             std::string_view value);

} // namespace intentd
