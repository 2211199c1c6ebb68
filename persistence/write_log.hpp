#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/model/problem.hpp"

namespace intentd {

/// The file operations of the write log, named for fault injection.
enum class log_op { open, write, sync, truncate, remove, sync_dir };

/// Where and how to keep a write log.
struct write_log_options {
  std::string dir; // a directory of segment files; created when missing
  /// A segment is closed when the next batch would take it past this size
  /// (a batch larger than a segment gets a segment of its own). A start
  /// reads the segment holding the checkpoint from its first record, so
  /// this bounds what is read beyond the records replayed.
  uint64_t segment_size = 16ull << 20;
  /// Largest record accepted by append and by replay.
  uint32_t max_record = 16u << 20;
  /// fdatasync every batch; off only in tests and benchmarks.
  bool sync = true;
  /// Write a new segment full of zeros (and sync it) before its first
  /// record, so that later appends overwrite allocated blocks instead of
  /// growing the file.
  bool preallocate = false;
  /// Keep the segments truncate_before retires as spare files
  /// (`<bound>.spare`, every record in it below `bound`; at most
  /// `max_spares`) and turn one into the next new segment instead of
  /// creating a file: appends then overwrite allocated, written blocks,
  /// and an fdatasync has no size change for the filesystem to journal
  /// (with no spare, a new segment is a new file, grown by its appends, or
  /// written full of zeros first with `preallocate`). Each batch is
  /// followed by a record header of zeros (the next batch overwrites it),
  /// so a log ends cleanly before a spare's old bytes.
  bool recycle = false;
  std::size_t max_spares = 2;
  /// open() reads, checks and reports, and changes nothing: a torn tail
  /// is reported but not cut, a missing directory is an empty log; append
  /// and truncate_before refuse. For offline checks beside a store nobody
  /// has open.
  bool read_only = false;
  /// Fault injection for tests: asked before every file operation; a
  /// nonzero return fails that operation with it as errno.
  std::function<int(log_op)> fault;
};

/// What opening the log found.
struct log_report {
  uint64_t first_seq = 0; // of the oldest record kept (0: none)
  uint64_t next_seq = 1;  // the sequence the next append gets
  uint64_t replayed = 0;  // records handed to the replay function
  uint64_t segments = 0;
  /// A torn tail: the bytes of the last segment's last batch whose write
  /// or sync did not complete (up to the first record of the segment's
  /// earlier use, with `recycle`), where, and the sequence it would have
  /// had. Zero when the log ended cleanly.
  uint64_t torn_bytes = 0;
  uint64_t torn_offset = 0;
  uint64_t torn_seq = 0;
  std::string torn_segment;
  /// With `recycle`: the bytes after the torn tail (or after the last
  /// whole batch, when its zeros never reached the disk) left from the
  /// segment's earlier use as another segment, records below its first
  /// sequence that are never read. Cut with the torn tail: the segment
  /// ends at torn_offset after open() (unless read_only); in a segment
  /// whose header is not its own (its first batch never completed) the
  /// whole file is removed and torn_offset is not set.
  uint64_t stale_bytes = 0;
};

/// An append-only log of opaque records in segment files
/// `<dir>/<first sequence, 20 digits>.wal`. Every record carries its
/// length, a CRC-32C, its sequence number and the distance to the first
/// record of its batch; a batch is one write and one fdatasync.
/// docs/durability.md ("Write path") gives the format and what open()
/// does with each damaged state. Owned by one thread.
class write_log {
public:
  /// Called by open() for each record at or after the sequence asked for,
  /// in order.
  using record_fn = std::function<void(uint64_t seq, std::string_view bytes)>;

  ~write_log();
  write_log(write_log&&) noexcept;
  write_log& operator=(write_log&&) noexcept;

  /// Opens (or creates) the log, hands every record with sequence >= `from`
  /// to `fn`, and cuts a torn tail off the last segment (reported). Refuses
  /// with storage_corrupt a damaged record that is not the torn tail (one
  /// followed by a later batch, or in a segment before the last), a gap
  /// between segments, and a log starting after `from` or ending before it
  /// (records missing);
  /// an I/O failure is storage_unavailable. An empty log starts at `from`
  /// (at least 1).
  static outcome<write_log> open(const write_log_options& opts, uint64_t from,
                                 const record_fn& fn);

  /// Appends the records as one batch and syncs it: when this returns the
  /// sequence of the first one, all are durable and numbered from it. On a
  /// failure (a full disk, an I/O error) nothing of the batch counts: the
  /// segment is cut back to where it was, and the log takes appends again;
  /// when even that fails the log refuses every append until reopened.
  outcome<uint64_t> append(const std::vector<std::string_view>& records);

  /// Removes the segments holding only records before `seq` (never the
  /// segment appends go to), keeping them as spares with `recycle`;
  /// returns how many.
  outcome<std::size_t> truncate_before(uint64_t seq);

  const log_report& report() const;
  uint64_t next_seq() const;
  /// Bytes a batch of these records takes in a segment.
  static uint64_t framed_size(const std::vector<std::string_view>& records);

private:
  struct impl;
  explicit write_log(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace intentd
