#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/model/chain_journal.hpp"
#include "runtime/model/problem.hpp"

namespace intentd {

/// Version written by encode_chain_event; decode_chain_event also reads
/// version 1 (the same without a checksum) and refuses others.
constexpr uint8_t chain_event_format_version = 2;

/// Binary form of a chain event: magic "ce", version, the CRC-32C (4 bytes,
/// little-endian) of every other byte of the value, kind, intent id,
/// account, token, amount (16 bytes), tx hash, block.
std::string encode_chain_event(const chain_event& event);

/// Parses encode_chain_event's output; a storage_corrupt problem for a
/// checksum that does not match or anything else. Never reads outside
/// `bytes`.
outcome<chain_event> decode_chain_event(std::string_view bytes);

} // namespace intentd
