#include <doctest/doctest.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "persistence/write_log.hpp"
#include "persistence/write_log_format.hpp"
#include "store_fixture.hpp"

using namespace intentd;
using intentd::test::temp_dir;
namespace fs = std::filesystem;

namespace {

struct replayed {
  std::vector<uint64_t> seqs;
  std::vector<std::string> bytes;
};

write_log::record_fn into(replayed& r) {
  return [&r](uint64_t seq, std::string_view b) {
    r.seqs.push_back(seq);
    r.bytes.emplace_back(b);
  };
}

write_log open_log(const write_log_options& o, replayed& r, uint64_t from = 1) {
  auto log = write_log::open(o, from, into(r));
  REQUIRE_MESSAGE(log, test::why(log));
  return std::move(*log);
}

std::vector<std::string> segment_files(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_all(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string record(int i) {
  return "record " + std::to_string(i) + std::string(i % 7, '.');
}

write_log_options options_in(const temp_dir& dir) {
  write_log_options o;
  o.dir = dir.path().string();
  return o;
}

} // namespace

TEST_CASE("the write log hands back every appended record after a reopen") {
  temp_dir dir;
  auto o = options_in(dir);
  replayed r;
  {
    auto log = open_log(o, r);
    CHECK(log.next_seq() == 1);
    CHECK(*log.append({"a"}) == 1);
    auto b = log.append({"b", "", "c"});
    REQUIRE_MESSAGE(b, test::why(b));
    CHECK(*b == 2);
    CHECK(*log.append({}) == 5);
    CHECK(log.next_seq() == 5);
  }
  auto log = open_log(o, r);
  CHECK(r.seqs == std::vector<uint64_t>{1, 2, 3, 4});
  CHECK(r.bytes == std::vector<std::string>{"a", "b", "", "c"});
  CHECK(log.report().torn_bytes == 0);
  CHECK(log.next_seq() == 5);
  CHECK(*log.append({"d"}) == 5);
  replayed from3;
  open_log(o, from3, 3);
  CHECK(from3.seqs == std::vector<uint64_t>{3, 4, 5});
}

TEST_CASE("the write log rolls segments and truncates whole ones before a "
          "sequence") {
  temp_dir dir;
  auto o = options_in(dir);
  o.segment_size = 200;
  replayed r;
  auto log = open_log(o, r);
  for (int i = 1; i <= 30; ++i) {
    std::string rec = record(i);
    REQUIRE(*log.append({rec}) == static_cast<uint64_t>(i));
  }
  auto files = segment_files(dir.path());
  CHECK(files.size() > 3);
  for (const auto& f : files)
    CHECK(fs::file_size(f) <= 200);
  auto removed = log.truncate_before(20);
  REQUIRE(removed);
  CHECK(*removed > 0);
  replayed after;
  auto again = open_log(o, after, 20);
  REQUIRE(!after.seqs.empty());
  CHECK(after.seqs.front() == 20);
  CHECK(after.seqs.back() == 30);
  CHECK(again.report().first_seq <= 20);
  // Never the segment appends go to, whatever the sequence.
  CHECK(*again.truncate_before(1000) >= 0);
  CHECK(segment_files(dir.path()).size() == 1);
  CHECK(*again.append({"next"}) == 31);
  // A log asked for records it no longer holds refuses.
  replayed none;
  auto gone = write_log::open(o, 5, into(none));
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code == errc::storage_corrupt);
  // And so does one that ends before the sequence asked for.
  auto short_ = write_log::open(o, 40, into(none));
  REQUIRE_FALSE(short_);
  CHECK(short_.error().code == errc::storage_corrupt);
  CHECK(short_.error().message.find("ends before") != std::string::npos);
  // The next sequence itself is where an empty replay starts.
  CHECK(write_log::open(o, 32, into(none)));
}

TEST_CASE("a torn last batch is cut at every byte it could end at") {
  temp_dir dir;
  auto o = options_in(dir);
  std::string path;
  std::string whole;
  uint64_t before_last = 0;
  {
    replayed r;
    auto log = open_log(o, r);
    log.append({"first", "second"});
    path = segment_files(dir.path()).front();
    before_last = fs::file_size(path);
    log.append({"third", "fourth-and-longer"});
    whole = read_all(path);
  }
  // Whole records of the torn batch are kept in order (a prefix of it: none
  // of it was acknowledged, the caller takes it as written); the rest goes.
  auto third_end = before_last + 20 + 5;
  for (auto cut = before_last; cut < whole.size(); ++cut) {
    CAPTURE(cut);
    write_all(path, whole.substr(0, cut));
    replayed r;
    auto log = open_log(o, r);
    auto kept = cut < third_end ? before_last : third_end;
    std::vector<std::string> expect{"first", "second"};
    if (cut >= third_end)
      expect.emplace_back("third");
    CHECK(r.bytes == expect);
    CHECK(log.report().torn_bytes == cut - kept);
    if (cut > kept)
      CHECK(log.report().torn_seq == expect.size() + 1);
    CHECK(fs::file_size(path) == kept);
    CHECK(*log.append({"again"}) == expect.size() + 1);
  }
  // A flipped bit in the last batch is a torn tail too, and so is a damaged
  // record whose batch goes on after it (its sectors reached the disk out
  // of order).
  for (auto at = before_last; at < whole.size(); ++at) {
    CAPTURE(at);
    auto bad = whole;
    bad[at] ^= 0x10;
    write_all(path, bad);
    replayed r;
    auto log = open_log(o, r);
    CHECK(r.bytes.size() >= 2);
    CHECK(r.bytes.size() <= 3);
    CHECK(r.bytes[0] == "first");
    CHECK(r.bytes[1] == "second");
  }
}

TEST_CASE("records of a torn batch never come back after later appends") {
  // The first record of a batch is torn, the two after it reached the disk
  // whole (sectors out of order). Opening cuts them all; a record of the
  // same length appended after that, which ends where the old "b" began,
  // must not bring "b" and "c" back as sequences 3 and 4.
  temp_dir dir;
  auto o = options_in(dir);
  std::string path;
  uint64_t before = 0;
  {
    replayed r;
    auto log = open_log(o, r);
    log.append({"kept"});
    path = segment_files(dir.path()).front();
    before = fs::file_size(path);
    log.append({"torn-record-aaaa", "b", "c"});
  }
  auto bytes = read_all(path);
  bytes[before + 3] ^= 0x40; // the CRC of the first record of the batch
  write_all(path, bytes);
  {
    replayed r;
    auto log = open_log(o, r);
    CHECK(r.bytes == std::vector<std::string>{"kept"});
    CHECK(log.report().torn_seq == 2);
    CHECK(log.report().torn_offset == before);
    CHECK(*log.append({"torn-record-dddd"}) == 2);
  }
  replayed r;
  auto log = open_log(o, r);
  CHECK(r.bytes == std::vector<std::string>{"kept", "torn-record-dddd"});
  CHECK(log.report().torn_bytes == 0);
}

TEST_CASE("a damaged record followed by a later batch is refused, not "
          "skipped") {
  temp_dir dir;
  auto o = options_in(dir);
  std::string path;
  std::string whole;
  {
    replayed r;
    auto log = open_log(o, r);
    log.append({"one"});
    log.append({"two"});
    log.append({"three"});
    path = segment_files(dir.path()).front();
    whole = read_all(path);
  }
  // A bit of "two" (sequence 2, its own batch) flips: "three" was written
  // after "two" was synced, so this is damage, not a torn write.
  auto at = whole.find("two");
  whole[at] ^= 0x01;
  write_all(path, whole);
  replayed r;
  auto log = write_log::open(o, 1, into(r));
  REQUIRE_FALSE(log);
  CHECK(log.error().code == errc::storage_corrupt);
  CHECK(log.error().message.find("sequence 2") != std::string::npos);
  CHECK(read_all(path) == whole); // nothing cut
}

TEST_CASE("a damaged segment before the last one is refused") {
  temp_dir dir;
  auto o = options_in(dir);
  o.segment_size = 64;
  {
    replayed r;
    auto log = open_log(o, r);
    for (int i = 1; i <= 4; ++i)
      log.append({record(i) + std::string(30, 'x')});
  }
  auto files = segment_files(dir.path());
  REQUIRE(files.size() == 4);
  auto bytes = read_all(files[1]);
  bytes[bytes.size() - 1] ^= 0x01;
  write_all(files[1], bytes);
  replayed r;
  auto log = write_log::open(o, 1, into(r));
  REQUIRE_FALSE(log);
  CHECK(log.error().code == errc::storage_corrupt);
  // A segment missing in the middle is a gap.
  bytes[bytes.size() - 1] ^= 0x01;
  write_all(files[1], bytes);
  fs::remove(files[2]);
  auto gap = write_log::open(o, 1, into(r));
  REQUIRE_FALSE(gap);
  CHECK(gap.error().code == errc::storage_corrupt);
}

TEST_CASE("a segment begun by a batch that never completed is dropped") {
  temp_dir dir;
  auto o = options_in(dir);
  o.segment_size = 64;
  {
    replayed r;
    auto log = open_log(o, r);
    log.append({std::string(40, 'a')});
    log.append({std::string(40, 'b')});
  }
  auto files = segment_files(dir.path());
  REQUIRE(files.size() == 2);
  for (std::size_t keep : {0, 5, 19}) {
    auto bytes = read_all(files[1]);
    write_all(files[1], bytes.substr(0, keep));
    replayed r;
    auto log = open_log(o, r);
    CHECK(r.seqs == std::vector<uint64_t>{1});
    CHECK(log.report().torn_seq == 2);
    CHECK(segment_files(dir.path()).size() == 1);
    CHECK(*log.append({std::string(40, 'c')}) == 2);
    files = segment_files(dir.path());
  }
}

TEST_CASE("a failing write or sync loses nothing acknowledged and the log "
          "goes on") {
  // The n-th file operation fails (ENOSPC), n = 1, 2, ... until a run no
  // longer reaches it: every append answered with a sequence is replayed,
  // no failed one is, and the log takes appends after the failure.
  for (int n = 1;; ++n) {
    CAPTURE(n);
    temp_dir dir;
    auto o = options_in(dir);
    o.segment_size = 100;
    int ops = 0;
    bool hit = false;
    o.fault = [&](log_op) {
      if (++ops == n) {
        hit = true;
        return ENOSPC;
      }
      return 0;
    };
    std::vector<std::string> acked;
    {
      replayed r;
      auto log = write_log::open(o, 1, into(r));
      if (log) {
        for (int i = 1; i <= 8; ++i) {
          auto rec = record(i) + std::string(20, 'z');
          auto s = log->append({rec});
          if (s) {
            CHECK(*s == acked.size() + 1);
            acked.push_back(rec);
          } else {
            CHECK(s.error().code == errc::storage_unavailable);
            CHECK(s.error().message.find("disk is full") != std::string::npos);
          }
        }
      } else {
        CHECK(log.error().code == errc::storage_unavailable);
      }
    }
    o.fault = nullptr;
    replayed r;
    auto log = open_log(o, r);
    CHECK(r.bytes == acked);
    CHECK(log.report().torn_bytes == 0);
    if (!hit)
      break;
    CHECK(acked.size() >= 7);
  }
}

TEST_CASE("an append whose undo fails too leaves the log refusing appends") {
  temp_dir dir;
  auto o = options_in(dir);
  bool fail = false;
  o.fault = [&](log_op op) {
    return fail && (op == log_op::sync || op == log_op::truncate) ? EIO : 0;
  };
  replayed r;
  auto log = open_log(o, r);
  CHECK(*log.append({"kept"}) == 1);
  fail = true;
  CHECK_FALSE(log.append({"lost"}));
  fail = false;
  auto refused = log.append({"after"});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("until reopened") != std::string::npos);
  // Reopened, the unsynced batch may or may not be there (the kernel may
  // have written it); what was acknowledged is.
  o.fault = nullptr;
  replayed again;
  auto reopened = open_log(o, again);
  REQUIRE(!again.bytes.empty());
  CHECK(again.bytes.front() == "kept");
}

TEST_CASE("a preallocated segment ends cleanly at its zeros") {
  temp_dir dir;
  auto o = options_in(dir);
  o.preallocate = true;
  o.segment_size = 4096;
  {
    replayed r;
    auto log = open_log(o, r);
    log.append({"a", "b"});
    log.append({"c"});
    CHECK(fs::file_size(segment_files(dir.path()).front()) == 4096);
  }
  replayed r;
  auto log = open_log(o, r);
  CHECK(r.bytes == std::vector<std::string>{"a", "b", "c"});
  CHECK(log.report().torn_bytes == 0);
  CHECK(*log.append({"d"}) == 4);
}

namespace {

std::vector<std::string> files_ending(const fs::path& dir,
                                      const std::string& ext) {
  std::vector<std::string> out;
  for (const auto& f : segment_files(dir))
    if (fs::path(f).extension() == ext)
      out.push_back(f);
  return out;
}

// Records of one size, so that a spare's old records sit exactly where a
// recycled segment's new ones do: the case where old bytes could pass for
// the next record.
std::string fixed(int i) {
  auto s = std::to_string(i);
  return std::string(40 - s.size(), 'r') + s;
}

} // namespace

TEST_CASE("recycled segments: retired ones become the next, a reopen "
          "replays exactly what was appended after the checkpoint") {
  temp_dir dir;
  auto o = options_in(dir);
  o.recycle = true;
  // A segment: header, three records of 60 bytes and the zeros, 220 bytes.
  o.segment_size = 256;
  std::vector<std::string> all;
  {
    replayed r;
    auto log = open_log(o, r);
    for (int i = 1; i <= 9; ++i) {
      all.push_back(fixed(i));
      REQUIRE(*log.append({all.back()}) == static_cast<uint64_t>(i));
    }
    // Segments 1, 4, 7: the first two are retired as spares, bound 7.
    REQUIRE(files_ending(dir.path(), ".wal").size() == 3);
    CHECK(*log.truncate_before(7) == 2);
    auto spares = files_ending(dir.path(), ".spare");
    REQUIRE(spares.size() == 2);
    CHECK(fs::path(spares[0]).filename() == "00000000000000000004.spare");
    CHECK(fs::path(spares[1]).filename() == "00000000000000000007.spare");
    // The next two segments are the spares, overwritten, not new files.
    auto spare_inode = [](const std::string& f) {
      struct stat st {};
      REQUIRE(::stat(f.c_str(), &st) == 0);
      return st.st_ino;
    };
    auto inodes =
        std::vector<ino_t>{spare_inode(spares[1]), spare_inode(spares[0])};
    for (int i = 10; i <= 15; ++i) {
      all.push_back(fixed(i));
      REQUIRE(*log.append({all.back()}) == static_cast<uint64_t>(i));
    }
    CHECK(files_ending(dir.path(), ".spare").empty());
    auto segs = files_ending(dir.path(), ".wal");
    REQUIRE(segs.size() == 3); // 7, 10, 13
    CHECK(spare_inode(segs[1]) == inodes[0]);
    CHECK(spare_inode(segs[2]) == inodes[1]);
    for (const auto& f : segs)
      CHECK(fs::file_size(f) == 220);
  }
  replayed r;
  auto log = open_log(o, r, 7);
  CHECK(r.bytes == std::vector<std::string>(all.begin() + 6, all.end()));
  CHECK(r.seqs.front() == 7);
  CHECK(log.report().torn_bytes == 0);
  CHECK(*log.append({"after"}) == 16);
  replayed again;
  auto reopened = open_log(o, again, 7);
  CHECK(again.bytes.back() == "after");
  CHECK(again.bytes.size() == 10);
}

TEST_CASE("a recycled segment without its batch's zeros, or still with its "
          "old header, loses nothing acknowledged") {
  temp_dir dir;
  auto o = options_in(dir);
  o.recycle = true;
  o.segment_size = 256;
  std::string spare_bytes;
  {
    replayed r;
    auto log = open_log(o, r);
    for (int i = 1; i <= 7; ++i)
      log.append({fixed(i)});
    REQUIRE(*log.truncate_before(7) == 2);
    // The spare of bound 7 (records 4-6) is reused first.
    spare_bytes = read_all(files_ending(dir.path(), ".spare").back());
    for (int i = 8; i <= 10; ++i)
      log.append({fixed(i)}); // 8, 9 in segment 7; 10 begins segment 10
  }
  auto seg10 = (dir.path() / "00000000000000000010.wal").string();
  auto now = read_all(seg10);
  REQUIRE(now.size() == 220);
  // Record 10 whole, then the spare's old bytes from its byte `from` on:
  // nothing torn, `stale` old bytes cut, appends go on from record 11.
  auto old_bytes_after_batch = [&](std::size_t from, uint64_t stale) {
    write_all(seg10, now.substr(0, 80) + spare_bytes.substr(from));
    replayed r;
    auto log = open_log(o, r, 7);
    CHECK(r.bytes ==
          std::vector<std::string>{fixed(7), fixed(8), fixed(9), fixed(10)});
    CHECK(log.report().torn_offset == 80);
    CHECK(log.report().torn_bytes == 0);
    CHECK(log.report().stale_bytes == stale);
    CHECK(fs::file_size(seg10) == 80);
    CHECK(*log.append({"next"}) == 11);
  };
  SUBCASE("the zeros after the batch never reached the disk") {
    // The spare's record 5 and what follows it, as they were.
    old_bytes_after_batch(80, 140);
  }
  SUBCASE("the batch ends inside one of the spare's old records") {
    // From the middle of the spare's record 5 on: its record 6 at byte
    // 120, not where a record of this segment would begin.
    old_bytes_after_batch(100, 120);
  }
  SUBCASE("the next batch torn, the spare's old bytes after it") {
    // Record 11 half written where the zeros were and over the spare's
    // record 5; its record 6, from byte 140, as it was.
    std::string eleven;
    wal::put_record(eleven, 11, 0, fixed(11));
    auto torn =
        now.substr(0, 80) + eleven.substr(0, 30) + spare_bytes.substr(110);
    write_all(seg10, torn);
    auto ro = o;
    ro.read_only = true;
    replayed seen;
    auto read = open_log(ro, seen, 7);
    CHECK(read.report().torn_offset == 80);
    CHECK(read.report().torn_seq == 11);
    CHECK(read.report().torn_bytes == 60);
    CHECK(read.report().stale_bytes == 80);
    CHECK(fs::file_size(seg10) == 220);
    replayed r;
    auto log = open_log(o, r, 7);
    CHECK(r.bytes ==
          std::vector<std::string>{fixed(7), fixed(8), fixed(9), fixed(10)});
    CHECK(log.report().torn_bytes == 60);
    CHECK(log.report().stale_bytes == 80);
    CHECK(fs::file_size(seg10) == 80);
    CHECK(*log.append({"next"}) == 11);
  }
  SUBCASE("only the rename reached the disk") {
    write_all(seg10, spare_bytes);
    replayed r;
    auto log = open_log(o, r, 7);
    CHECK(r.bytes == std::vector<std::string>{fixed(7), fixed(8), fixed(9)});
    CHECK(log.report().torn_segment == seg10);
    // The spare as it was, its header included: nothing torn.
    CHECK(log.report().torn_bytes == 0);
    CHECK(log.report().stale_bytes == 220);
    CHECK_FALSE(fs::exists(seg10));
    CHECK(*log.append({"next"}) == 10);
  }
  SUBCASE("the new header torn over the spare's") {
    auto torn = now.substr(0, 10) + spare_bytes.substr(10);
    write_all(seg10, torn);
    replayed r;
    auto log = open_log(o, r, 7);
    CHECK(r.bytes == std::vector<std::string>{fixed(7), fixed(8), fixed(9)});
    CHECK(log.report().torn_seq == 10);
    CHECK(log.report().torn_bytes == 20);
    CHECK(log.report().stale_bytes == 200);
    CHECK_FALSE(fs::exists(seg10));
  }
}

TEST_CASE("a failed append to a recycled log cuts the segment back, never "
          "grows it") {
  // On a full disk the cut must free space, not ask for more: the segment
  // ends where the last acknowledged batch did (a spare's old bytes go too).
  temp_dir dir;
  auto o = options_in(dir);
  o.recycle = true;
  o.segment_size = 256;
  int failing_syncs = 0;
  o.fault = [&](log_op op) {
    if (op != log_op::sync || failing_syncs == 0)
      return 0;
    --failing_syncs;
    return EIO;
  };
  replayed r;
  auto log = open_log(o, r);
  REQUIRE(*log.append({fixed(1)}) == 1);
  auto seg = segment_files(dir.path()).front();
  CHECK(fs::file_size(seg) == 100); // header, record, zeros
  failing_syncs = 1; // the batch's fdatasync; the cut's own succeeds
  CHECK_FALSE(log.append({fixed(2)}));
  CHECK(fs::file_size(seg) == 80);
  REQUIRE(*log.append({fixed(2)}) == 2);
  replayed again;
  auto reopened = open_log(o, again);
  CHECK(again.bytes == std::vector<std::string>{fixed(1), fixed(2)});
}

TEST_CASE("a spare that could hold sequences still to come is removed, "
          "never reused") {
  temp_dir dir;
  auto o = options_in(dir);
  o.recycle = true;
  o.segment_size = 256;
  fs::create_directories(dir.path());
  auto stray = (dir.path() / "00000000000000000050.spare").string();
  std::string old;
  wal::put_segment_header(old, 40);
  for (int i = 40; i < 50; ++i)
    wal::put_record(old, static_cast<uint64_t>(i), 0, fixed(i));
  write_all(stray, old);
  replayed r;
  auto log = open_log(o, r);
  CHECK_FALSE(fs::exists(stray));
  for (int i = 1; i <= 4; ++i)
    log.append({fixed(i)});
  replayed again;
  auto reopened = open_log(o, again);
  CHECK(again.seqs == std::vector<uint64_t>{1, 2, 3, 4});
}

TEST_CASE("recycling: the n-th file operation failing loses nothing "
          "acknowledged") {
  for (int n = 1;; ++n) {
    CAPTURE(n);
    temp_dir dir;
    auto o = options_in(dir);
    o.recycle = true;
    o.segment_size = 256;
    int ops = 0;
    bool hit = false;
    o.fault = [&](log_op) {
      if (++ops == n) {
        hit = true;
        return EIO;
      }
      return 0;
    };
    std::vector<std::string> acked;
    uint64_t from = 1;
    {
      replayed r;
      auto log = write_log::open(o, 1, into(r));
      if (log) {
        for (int i = 1; i <= 16; ++i) {
          auto rec = fixed(i);
          if (auto s = log->append({rec})) {
            CHECK(*s == acked.size() + 1);
            acked.push_back(rec);
          }
          if (i % 5 == 0) {
            // A checkpoint at the next sequence: what is before it may go.
            from = log->next_seq();
            (void)log->truncate_before(from);
          }
        }
      }
    }
    o.fault = nullptr;
    replayed r;
    auto log = open_log(o, r, from);
    std::vector<std::string> expected(acked.begin() + (from - 1), acked.end());
    CHECK(r.bytes == expected);
    CHECK(log.report().torn_bytes == 0);
    CHECK(*log.append({"after"}) == acked.size() + 1);
    if (!hit)
      break;
  }
}

TEST_CASE("a read-only open reports a torn tail and changes nothing") {
  temp_dir dir;
  auto o = options_in(dir);
  o.segment_size = 64;
  {
    replayed r;
    auto log = open_log(o, r);
    log.append({std::string(40, 'a')});
    log.append({std::string(40, 'b')});
    log.append({"c", "d"});
  }
  auto files = segment_files(dir.path());
  REQUIRE(files.size() == 3); // a, b, then c and d
  auto last = read_all(files[2]);
  write_all(files[2], last.substr(0, last.size() - 3));
  auto ro = o;
  ro.read_only = true;
  replayed r;
  auto log = open_log(ro, r);
  CHECK(r.bytes == std::vector<std::string>{std::string(40, 'a'),
                                            std::string(40, 'b'), "c"});
  CHECK(log.report().torn_seq == 4);
  CHECK(log.report().torn_bytes > 0);
  CHECK(fs::file_size(files[2]) == last.size() - 3);
  auto refused = log.append({"e"});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == errc::storage_unavailable);
  CHECK_FALSE(log.truncate_before(4));
  // A segment begun by a batch that never completed stays where it is.
  write_all(files[2], last.substr(0, 5));
  replayed again;
  auto log2 = open_log(ro, again);
  CHECK(again.seqs == std::vector<uint64_t>{1, 2});
  CHECK(log2.report().torn_seq == 3);
  CHECK(segment_files(dir.path()).size() == 3);
  // Damage that open() refuses is refused read-only too.
  auto first = read_all(files[0]);
  first[first.size() - 1] ^= 0x01;
  write_all(files[0], first);
  write_all(files[2], last);
  auto damaged = write_log::open(ro, 1, into(again));
  REQUIRE_FALSE(damaged);
  CHECK(damaged.error().code == errc::storage_corrupt);
}

TEST_CASE("a read-only open of a missing directory is an empty log") {
  temp_dir dir;
  write_log_options o;
  o.dir = (dir.path() / "absent").string();
  o.read_only = true;
  replayed r;
  auto log = open_log(o, r, 7);
  CHECK(r.seqs.empty());
  CHECK(log.next_seq() == 7);
  CHECK_FALSE(fs::exists(o.dir));
}
