#include "persistence/write_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "persistence/write_log_format.hpp"

namespace intentd {

namespace fs = std::filesystem;

namespace {

problem io_problem(int err, const std::string& what) {
  std::string cause = err == ENOSPC ? "the disk is full" : std::strerror(err);
  return problem{errc::storage_unavailable,
                 "write log: " + what + " failed: " + cause,
                 {}};
}

problem corrupt(const std::string& what) {
  return problem{errc::storage_corrupt,
                 "write log is damaged: " + what +
                     "; restore the store from a backup",
                 {}};
}

problem read_only_refusal(const std::string& dir) {
  return problem{errc::storage_unavailable,
                 "write log: " + dir + " was opened read-only",
                 {}};
}

std::string segment_name(uint64_t first_seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020llu.wal",
                static_cast<unsigned long long>(first_seq));
  return buf;
}

std::string spare_name(uint64_t bound) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020llu.spare",
                static_cast<unsigned long long>(bound));
  return buf;
}

/// The bound a spare's file name gives (every record in it is below it);
/// 0 for other files.
uint64_t bound_of_spare(const std::string& name) {
  if (name.size() != 26 || name.compare(20, 6, ".spare") != 0 ||
      name.find_first_not_of("0123456789") != 20)
    return 0;
  return std::stoull(name.substr(0, 20));
}

/// The first sequence a segment's file name gives; 0 for other files.
uint64_t seq_of_name(const std::string& name) {
  if (name.size() != 24 || name.compare(20, 4, ".wal") != 0 ||
      name.find_first_not_of("0123456789") != 20)
    return 0;
  return std::stoull(name.substr(0, 20));
}

struct segment {
  uint64_t first_seq = 0;
  std::string path;
};

} // namespace

struct write_log::impl {
  write_log_options opts;
  log_report report;
  std::vector<segment> segments; // oldest first
  std::vector<segment> spares;   // recycle: retired segments (first_seq: bound)
  int fd = -1;                   // the last segment, appends go there
  uint64_t end = 0;              // where the next batch is written
  uint64_t next_seq = 1;
  std::optional<problem> broken;

  ~impl() {
    if (fd >= 0)
      ::close(fd);
  }

  int fault(log_op op) const { return opts.fault ? opts.fault(op) : 0; }

  /// Runs a system call unless a fault is injected; the errno on failure.
  template<class F>
  int call(log_op op, F f) const {
    if (int e = fault(op))
      return e;
    return f() < 0 ? errno : 0;
  }

  int write_all(int file, std::string_view bytes, uint64_t at) const {
    if (int e = fault(log_op::write))
      return e;
    while (!bytes.empty()) {
      auto n =
          ::pwrite(file, bytes.data(), bytes.size(), static_cast<off_t>(at));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return errno;
      bytes.remove_prefix(static_cast<std::size_t>(n));
      at += static_cast<uint64_t>(n);
    }
    return 0;
  }

  int sync(int file) const {
    if (!opts.sync)
      return 0;
    return call(log_op::sync, [&] { return ::fdatasync(file); });
  }

  int sync_dir() const {
    if (!opts.sync)
      return 0;
    return call(log_op::sync_dir, [&] {
      int d = ::open(opts.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (d < 0)
        return -1;
      int rc = ::fsync(d);
      int err = errno;
      ::close(d);
      errno = err;
      return rc;
    });
  }

  int rename_file(log_op op, const std::string& from,
                  const std::string& to) const {
    return call(op, [&] { return ::rename(from.c_str(), to.c_str()); });
  }

  int open_file(const std::string& path, int flags, int& out) const {
    return call(log_op::open, [&] {
      out = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
      return out;
    });
  }

  outcome<std::string> read_file(const std::string& path) const {
    int f = -1;
    if (int e = open_file(path, O_RDONLY, f))
      return io_problem(e, "opening " + path);
    std::string out;
    char buf[1 << 16];
    for (;;) {
      auto n = ::read(f, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0) {
        int e = errno;
        ::close(f);
        return io_problem(e, "reading " + path);
      }
      if (n == 0)
        break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(f);
    return out;
  }

  /// Cuts the last segment at `at` (a torn tail) and syncs it.
  outcome<done> cut(const std::string& path, uint64_t at) {
    int f = -1;
    if (int e = open_file(path, O_RDWR, f))
      return io_problem(e, "opening " + path);
    int e = call(log_op::truncate,
                 [&] { return ::ftruncate(f, static_cast<off_t>(at)); });
    if (e == 0)
      e = sync(f);
    ::close(f);
    if (e)
      return io_problem(e, "cutting the torn tail of " + path);
    return done{};
  }

  outcome<done> remove(const std::string& path) const {
    if (int e = call(log_op::remove, [&] { return ::unlink(path.c_str()); }))
      return io_problem(e, "removing " + path);
    return done{};
  }

  outcome<done> recover(uint64_t from, const record_fn& fn);
  outcome<done> scan(std::size_t index, const std::string& bytes, uint64_t from,
                     const record_fn& fn);
  outcome<done> start_segment(std::string& batch, uint64_t first_seq);
};

outcome<done> write_log::impl::scan(std::size_t index, const std::string& bytes,
                                    uint64_t from, const record_fn& fn) {
  const auto& seg = segments[index];
  bool last = index + 1 == segments.size();
  std::string_view view(bytes);
  uint64_t expected = seg.first_seq;
  std::size_t pos = wal::segment_header_size;
  for (;;) {
    auto r = wal::read_record(view, pos, opts.max_record);
    if (!r.valid || r.seq != expected)
      break;
    if (r.seq >= from) {
      fn(r.seq, r.payload);
      ++report.replayed;
    }
    if (report.first_seq == 0)
      report.first_seq = r.seq;
    ++expected;
    pos += r.size;
  }
  next_seq = expected;
  end = pos;
  if (!last) {
    // Every batch of a segment before the last was synced before the next
    // segment was begun: its records must reach the next segment's first.
    if (segments[index + 1].first_seq != expected)
      return corrupt(seg.path + " ends at sequence " +
                     std::to_string(expected) + " (byte " +
                     std::to_string(pos) + ") but the next segment starts at " +
                     std::to_string(segments[index + 1].first_seq));
    return done{};
  }
  if (wal::clean_end(view, pos))
    return done{};
  if (auto at = wal::later_batch_after(view, pos, expected, opts.max_record))
    return corrupt("the record of sequence " + std::to_string(expected) +
                   " at byte " + std::to_string(pos) + " of " + seg.path +
                   " is damaged, and a later batch follows it at byte " +
                   std::to_string(at));
  // In a recycled segment the old bytes after the torn batch are not
  // part of it: reported apart, and cut with it.
  auto earlier =
      wal::earlier_record_after(view, pos, seg.first_seq, opts.max_record);
  // Bytes that do not begin the next record, an old record after them: the
  // end of an older, longer record the last batch stopped inside of.
  if (earlier < view.size() && !wal::begins_record(view, pos, expected))
    earlier = pos;
  report.torn_bytes = earlier - pos;
  report.stale_bytes = bytes.size() - earlier;
  report.torn_offset = pos;
  report.torn_seq = expected;
  report.torn_segment = seg.path;
  if (opts.read_only)
    return done{};
  return cut(seg.path, pos);
}

outcome<done> write_log::impl::recover(uint64_t from, const record_fn& fn) {
  std::error_code ec;
  if (opts.read_only) {
    if (!fs::exists(opts.dir, ec)) {
      if (ec)
        return io_problem(ec.value(), "looking for " + opts.dir);
      next_seq = std::max<uint64_t>(from, 1);
      report.next_seq = next_seq;
      return done{};
    }
  } else {
    fs::create_directories(opts.dir, ec);
    if (ec)
      return io_problem(ec.value(), "creating " + opts.dir);
  }
  std::vector<segment> found_spares;
  for (const auto& entry : fs::directory_iterator(opts.dir, ec)) {
    auto name = entry.path().filename().string();
    if (auto seq = seq_of_name(name))
      segments.push_back({seq, entry.path().string()});
    else if (auto bound = bound_of_spare(name))
      found_spares.push_back({bound, entry.path().string()});
  }
  if (ec)
    return io_problem(ec.value(), "listing " + opts.dir);
  std::sort(segments.begin(), segments.end(),
            [](const segment& a, const segment& b) {
              return a.first_seq < b.first_seq;
            });
  next_seq = std::max<uint64_t>(from, 1);
  if (!segments.empty() && from > 0 && segments.front().first_seq > from)
    return corrupt("its oldest segment starts at sequence " +
                   std::to_string(segments.front().first_seq) +
                   ", records from " + std::to_string(from) + " are missing");
  for (std::size_t i = 0; i < segments.size(); ++i) {
    auto bytes = read_file(segments[i].path);
    if (!bytes)
      return bytes.error();
    auto header = wal::read_segment_header(*bytes);
    if (header != segments[i].first_seq) {
      if (i + 1 < segments.size())
        return corrupt("the header of " + segments[i].path + " is damaged");
      // A segment begun by a batch that never completed: nothing in it
      // was acknowledged. A recycled spare's old header and records are
      // not torn bytes but old ones.
      std::size_t earlier =
          wal::earlier_record_after(*bytes, wal::segment_header_size,
                                    segments[i].first_seq, opts.max_record);
      if (header != 0 && header < segments[i].first_seq &&
          earlier == wal::segment_header_size)
        earlier = 0;
      report.torn_bytes = earlier;
      report.stale_bytes = bytes->size() - earlier;
      report.torn_seq = segments[i].first_seq;
      report.torn_segment = segments[i].path;
      if (!opts.read_only) {
        auto removed = remove(segments[i].path);
        if (!removed)
          return removed;
      }
      segments.pop_back();
      break;
    }
    auto scanned = scan(i, *bytes, from, fn);
    if (!scanned)
      return scanned;
  }
  if (!segments.empty() && next_seq < from)
    return corrupt("it ends before sequence " + std::to_string(next_seq) +
                   ", records up to " + std::to_string(from) +
                   " were expected");
  report.segments = segments.size();
  report.next_seq = next_seq;
  if (opts.read_only)
    return done{};
  if (!segments.empty()) {
    if (int e = open_file(segments.back().path, O_RDWR, fd))
      return io_problem(e, "opening " + segments.back().path);
  }
  // A spare is reused only when every record in it is below every
  // sequence still to be written; the others (and all of them without
  // recycle) are removed, a failure to remove one left for the next open.
  for (auto& spare : found_spares)
    if (opts.recycle && spare.first_seq <= next_seq &&
        spares.size() < opts.max_spares)
      spares.push_back(std::move(spare));
    else
      (void)remove(spare.path);
  return done{};
}

outcome<done> write_log::impl::start_segment(std::string& batch,
                                             uint64_t first_seq) {
  auto path = (fs::path(opts.dir) / segment_name(first_seq)).string();
  int f = -1;
  bool recycled = false;
  if (opts.recycle && !spares.empty()) {
    // Every record in the spare is below first_seq: open() stops at the
    // first of them, as at zeros (wal::clean_end after each batch's zeros).
    auto spare = spares.back();
    spares.pop_back();
    if (int e = rename_file(log_op::open, spare.path, path)) {
      (void)remove(spare.path);
      return io_problem(e, "reusing " + spare.path + " as");
    }
    if (int e = open_file(path, O_RDWR, f)) {
      ::unlink(path.c_str());
      return io_problem(e, "opening " + path);
    }
    recycled = true;
  } else if (int e = open_file(path, O_RDWR | O_CREAT | O_EXCL, f)) {
    return io_problem(e, "creating " + path);
  }
  auto undo = [&](int e, const std::string& what) {
    ::close(f);
    ::unlink(path.c_str());
    return io_problem(e, what + " " + path);
  };
  if (opts.preallocate && !recycled) {
    std::string zeros(1 << 20, '\0');
    for (uint64_t at = 0; at < opts.segment_size; at += zeros.size())
      if (int e = write_all(
              f, std::string_view(zeros).substr(0, opts.segment_size - at), at))
        return undo(e, "preallocating");
    if (int e = sync(f))
      return undo(e, "syncing");
  }
  std::string header;
  wal::put_segment_header(header, first_seq);
  batch.insert(0, header);
  if (int e = sync_dir())
    return undo(e, "syncing the directory of");
  if (fd >= 0)
    ::close(fd);
  fd = f;
  end = 0;
  segments.push_back({first_seq, path});
  return done{};
}

write_log::write_log(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
write_log::~write_log() = default;
write_log::write_log(write_log&&) noexcept = default;
write_log& write_log::operator=(write_log&&) noexcept = default;

outcome<write_log> write_log::open(const write_log_options& opts, uint64_t from,
                                   const record_fn& fn) {
  auto p = std::make_unique<impl>();
  p->opts = opts;
  auto done_ = p->recover(from, fn);
  if (!done_)
    return done_.error();
  return write_log(std::move(p));
}

uint64_t write_log::framed_size(const std::vector<std::string_view>& records) {
  uint64_t n = 0;
  for (auto r : records)
    n += wal::record_header_size + r.size();
  return n;
}

outcome<uint64_t>
write_log::append(const std::vector<std::string_view>& records) {
  auto& s = *impl_;
  if (s.opts.read_only)
    return read_only_refusal(s.opts.dir);
  if (s.broken)
    return *s.broken;
  if (records.empty())
    return s.next_seq;
  if (records.size() > (1ull << 31))
    return problem{errc::bad_request, "write log: a batch too large", {}};
  std::string batch;
  batch.reserve(framed_size(records));
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (records[i].size() > s.opts.max_record)
      return problem{
          errc::bad_request,
          "write log: a record of " + std::to_string(records[i].size()) +
              " bytes, above the limit of " + std::to_string(s.opts.max_record),
          {}};
    wal::put_record(batch, s.next_seq + i, static_cast<uint32_t>(i),
                    records[i]);
  }
  uint64_t first = s.next_seq;
  uint64_t marker = s.opts.recycle ? wal::record_header_size : 0;
  bool fresh =
      s.fd < 0 || (s.end > wal::segment_header_size &&
                   s.end + batch.size() + marker > s.opts.segment_size);
  int prev_fd = s.fd;
  uint64_t prev_end = s.end;
  if (fresh) {
    if (prev_fd >= 0)
      s.fd = -1; // kept open in prev_fd until the new segment holds
    auto started = s.start_segment(batch, first);
    if (!started) {
      s.fd = prev_fd;
      return started.error();
    }
    if (prev_fd >= 0)
      ::close(prev_fd);
  }
  // With recycle the batch ends in a record header of zeros, so that the
  // log ends cleanly there and not in a spare's old bytes.
  auto batch_size = batch.size();
  batch.append(marker, '\0');
  int e = s.write_all(s.fd, batch, s.end);
  if (e == 0)
    e = s.sync(s.fd);
  if (e != 0) {
    auto why = io_problem(e, "appending " + std::to_string(records.size()) +
                                 " records to " + s.segments.back().path);
    // Cut the segment back to where it was, so the batch can never be
    // replayed; a fresh segment goes entirely.
    bool undone;
    if (fresh) {
      undone = s.remove(s.segments.back().path).operator bool();
      s.segments.pop_back();
      ::close(s.fd);
      s.fd = -1;
      if (!s.segments.empty())
        s.open_file(s.segments.back().path, O_RDWR, s.fd);
      s.end = prev_end;
      undone = undone && (s.segments.empty() || s.fd >= 0);
    } else {
      undone =
          s.call(log_op::truncate,
                 [&] {
                   return ::ftruncate(
                       s.fd, static_cast<off_t>(s.opts.preallocate
                                                    ? s.opts.segment_size
                                                    : prev_end));
                 }) == 0 &&
          (!s.opts.preallocate ||
           s.write_all(s.fd, std::string(batch.size(), '\0'), prev_end) == 0) &&
          s.sync(s.fd) == 0;
    }
    if (!undone)
      s.broken = problem{why.code,
                         why.message +
                             "; the log takes no more appends until reopened",
                         {}};
    return why;
  }
  s.end += batch_size;
  s.next_seq += records.size();
  s.report.next_seq = s.next_seq;
  if (s.report.first_seq == 0)
    s.report.first_seq = first;
  s.report.segments = s.segments.size();
  return first;
}

outcome<std::size_t> write_log::truncate_before(uint64_t seq) {
  auto& s = *impl_;
  if (s.opts.read_only)
    return read_only_refusal(s.opts.dir);
  std::size_t n = 0;
  // Oldest first, so a crash in between leaves a contiguous log.
  while (s.segments.size() > 1 && s.segments[1].first_seq <= seq) {
    const auto& old = s.segments.front();
    if (s.opts.recycle && s.spares.size() < s.opts.max_spares) {
      // Renamed, not removed: the same step for open(), which reads only
      // segment names; its records are all below the next one's first.
      auto bound = s.segments[1].first_seq;
      auto spare = (fs::path(s.opts.dir) / spare_name(bound)).string();
      if (int e = s.rename_file(log_op::remove, old.path, spare))
        return io_problem(e, "retiring " + old.path);
      s.spares.push_back({bound, spare});
    } else if (auto removed = s.remove(old.path); !removed) {
      return removed.error();
    }
    s.segments.erase(s.segments.begin());
    ++n;
  }
  s.report.segments = s.segments.size();
  if (n > 0)
    s.report.first_seq = s.segments.front().first_seq;
  return n;
}

const log_report& write_log::report() const {
  return impl_->report;
}

uint64_t write_log::next_seq() const {
  return impl_->next_seq;
}

} // namespace intentd
