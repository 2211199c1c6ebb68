#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace intentd::wal {

/// A segment starts with: magic "IWAL", format version (u32), the sequence
/// of its first record (u64), CRC-32C of those 16 bytes (u32); all
/// little-endian.
constexpr std::size_t segment_header_size = 20;
constexpr uint32_t segment_magic = 0x4c415749; // "IWAL"
constexpr uint32_t format_version = 1;

/// A record: CRC-32C (u32) of everything after it, payload length (u32),
/// sequence (u64), distance back to the first record of its batch (u32),
/// then the payload.
constexpr std::size_t record_header_size = 20;

void put_segment_header(std::string& out, uint64_t first_seq);
/// The first sequence a segment header names; 0 when it is damaged.
uint64_t read_segment_header(std::string_view bytes);

void put_record(std::string& out, uint64_t seq, uint32_t back,
                std::string_view payload);

/// A record read at an offset of a segment.
struct parsed_record {
  bool valid = false; // whole, CRC right
  uint64_t seq = 0;
  uint32_t back = 0;
  std::size_t size = 0; // header + payload
  std::string_view payload;
};

/// The record at `pos`; not valid when it does not fit, is longer than
/// `max_record` or fails its CRC.
parsed_record read_record(std::string_view seg, std::size_t pos,
                          uint32_t max_record);

/// Whether the bytes from `pos` hold nothing written: the end of the file,
/// or (a preallocated segment) zeros up to a full record header.
bool clean_end(std::string_view seg, std::size_t pos);

/// Looks after a damaged record at `pos` that should have had sequence
/// `expected` for a whole record of a later batch (a batch whose first
/// sequence is above `expected`): its offset, or 0 when there is none, in
/// which case the damage is the torn tail of the last batch.
std::size_t later_batch_after(std::string_view seg, std::size_t pos,
                              uint64_t expected, uint32_t max_record);

/// Whether the record header at `pos` names sequence `seq` (its body may
/// be torn).
bool begins_record(std::string_view seg, std::size_t pos, uint64_t seq);

/// In a segment whose records start at `first_seq`, the offset of the first
/// whole record at or after `pos` with a sequence below `first_seq`: a
/// record of the file's earlier use as another segment (a recycled spare's
/// old bytes), never one of this segment's. `seg.size()` when there is
/// none, as in a segment that was never a spare.
std::size_t earlier_record_after(std::string_view seg, std::size_t pos,
                                 uint64_t first_seq, uint32_t max_record);

} // namespace intentd::wal
