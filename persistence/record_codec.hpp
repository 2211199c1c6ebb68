#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "persistence/intent_store.hpp"
#include "runtime/model/intent.hpp"
#include "runtime/model/problem.hpp"

namespace intentd {

/// First bytes of every stored intent record.
constexpr char record_magic[2] = {'i', 'r'};

/// Version written by encode_record for a record with quotes (an external
/// solver was asked). decode_record also reads version 2 and version 1
/// (version 2 without a checksum), and refuses any other.
constexpr uint8_t record_format_version = 3;

/// Version written for a record without quotes: version 3 without the
/// quote fields, the public key appended only when one was set.
constexpr uint8_t record_unquoted_version = 2;

/// The last version written without a checksum.
constexpr uint8_t record_unsealed_version = 1;

/// Version of the stored solver counters (2: with a checksum; 1 is still
/// read).
constexpr uint8_t solver_stats_format_version = 2;

/// Binary form of a record: magic, version, the CRC-32C (4 bytes,
/// little-endian) of every other byte of the value, then every field
/// little-endian, amounts as 16 bytes, strings and lists with a varint
/// length in front. Version 3 ends with the public key (empty when none),
/// the count of valid quotes and the winning quote (a flag, then request
/// id, solver id, solver account, output amount, fee, valid until,
/// signature).
std::string encode_record(const intent_record& record);

/// Parses encode_record's output (versions 3 and 2) and version 1's; a
/// storage_corrupt problem for a checksum that does not match, an unknown
/// version or truncated, trailing or out-of-range bytes. Never throws,
/// never reads outside `bytes`.
outcome<intent_record> decode_record(std::string_view bytes);

/// The format version of a stored record (its third byte); 0 when the
/// value is too short or lacks the magic.
uint8_t record_version(std::string_view bytes);

/// Binary form of a solver's counters (its id is the key, not stored here).
std::string encode_solver_stats(const solver_stats& stats);

/// Parses encode_solver_stats's output into `out` (leaving solver_id alone);
/// false when the bytes are not a known version or fail their checksum.
bool decode_solver_stats(std::string_view bytes, solver_stats& out);

} // namespace intentd
