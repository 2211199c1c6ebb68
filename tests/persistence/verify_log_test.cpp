// verify_storage over a store on the write log: the records after the
// checkpoint are decoded and counted, a torn tail is a note (and stays),
// damage open() would refuse is damage.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "logged_store_fixture.hpp"
#include "persistence/store_verify.hpp"
#include "persistence/write_log_format.hpp"

using namespace intentd;
using namespace intentd::test;
namespace fs = std::filesystem;

namespace {

bool has_line(const std::vector<std::string>& lines, const std::string& part) {
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) {
    return l.find(part) != std::string::npos;
  });
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_all(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::vector<std::string> files_ending(const fs::path& store_dir,
                                      const std::string& ext) {
  std::vector<std::string> out;
  for (const auto& f : wal_files(store_dir))
    if (fs::path(f).extension() == ext)
      out.push_back(f);
  return out;
}

ino_t inode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_ino;
}

} // namespace

TEST_CASE("verify_storage checks the write log after the checkpoint") {
  temp_dir dir;
  auto o = logged_options(dir);
  {
    auto s = open_logged(o);
    for (int i = 0; i < 10; ++i)
      put_ok(s, {rec_of(i)});
    auto c = s.checkpoint();
    REQUIRE_MESSAGE(c, why(c));
    REQUIRE(c->seq == 11);
    for (int i = 10; i < 40; ++i)
      put_ok(s, {rec_of(i)});
  }
  auto files = wal_files(dir.path());
  REQUIRE(files.size() > 2);

  auto clean = verify_storage(o.store.path);
  REQUIRE_MESSAGE(clean, why(clean));
  CHECK(clean->clean());
  CHECK(has_line(clean->notes,
                 "30 record(s) after the checkpoint at sequence 11"));

  // A torn tail: reported, not damage, and left for the next start to cut.
  auto last = read_all(files.back());
  write_all(files.back(), last.substr(0, last.size() - 5));
  auto torn = verify_storage(o.store.path);
  REQUIRE(torn);
  CHECK(torn->clean());
  CHECK(has_line(torn->notes, "a torn tail of"));
  CHECK(has_line(torn->notes,
                 "29 record(s) after the checkpoint at sequence 11"));
  CHECK(fs::file_size(files.back()) == last.size() - 5);

  // A damaged record in a segment before the last: what open() refuses.
  write_all(files.back(), last);
  auto middle = read_all(files[files.size() - 2]);
  middle[middle.size() - 2] ^= 0x20;
  write_all(files[files.size() - 2], middle);
  auto damaged = verify_storage(o.store.path);
  REQUIRE(damaged);
  CHECK_FALSE(damaged->clean());
  CHECK(has_line(damaged->damage, "wal: write log is damaged"));

  // A copy of data.mdb without its log: said, since the log path would
  // refuse it.
  fs::remove_all(dir.path() / "wal");
  auto without = verify_storage(o.store.path);
  REQUIRE(without);
  CHECK(has_line(without->notes, "wal: none, while LMDB records a "
                                 "checkpoint at sequence 11"));
}

TEST_CASE("verify_storage tells a torn tail in a recycled segment apart from "
          "the segment's old bytes") {
  temp_dir dir;
  auto o = logged_options(dir);
  o.log.recycle = true;
  std::map<ino_t, std::string> spares; // each spare's bytes before its reuse
  {
    auto s = open_logged(o);
    int i = 0;
    while (files_ending(dir.path(), ".wal").size() < 3)
      put_ok(s, {rec_of(i++)});
    auto c = s.checkpoint();
    REQUIRE_MESSAGE(c, why(c));
    for (const auto& f : files_ending(dir.path(), ".spare"))
      spares[inode_of(f)] = read_all(f);
    REQUIRE(!spares.empty());
    REQUIRE(files_ending(dir.path(), ".wal").size() == 1);
    while (files_ending(dir.path(), ".wal").size() == 1)
      put_ok(s, {rec_of(i++)});
    put_ok(s, {rec_of(i++)});
  }
  auto last = files_ending(dir.path(), ".wal").back();
  REQUIRE(spares.count(inode_of(last)) == 1);
  const auto old = spares[inode_of(last)];
  auto now = read_all(last);
  REQUIRE(now.size() == old.size());

  // The segment's records: its last batch (one record) is torn.
  constexpr uint32_t max_record = 1u << 20;
  auto expected = wal::read_segment_header(now);
  REQUIRE(expected > 0);
  std::size_t at = wal::segment_header_size;
  std::size_t last_at = 0;
  for (;;) {
    auto r = wal::read_record(now, at, max_record);
    if (!r.valid || r.seq != expected)
      break;
    last_at = at;
    at += r.size;
    ++expected;
  }
  REQUIRE(last_at > wal::segment_header_size);
  const auto zeros_end = at + wal::record_header_size;
  now[last_at + wal::record_header_size + 1] ^= 0x01;
  write_all(last, now);
  // The spare's first record the new bytes left whole: its records laid
  // end to end from its header.
  std::size_t kept = wal::segment_header_size;
  for (;;) {
    auto r = wal::read_record(old, kept, max_record);
    if (!r.valid) {
      kept = old.size();
      break;
    }
    if (kept >= zeros_end)
      break;
    kept += r.size;
  }
  REQUIRE(kept < old.size());
  const auto torn = kept - last_at;
  const auto stale = old.size() - kept;

  auto v = verify_storage(o.store.path);
  REQUIRE_MESSAGE(v, why(v));
  CHECK(v->clean());
  CHECK(has_line(v->notes, "wal: a torn tail of " + std::to_string(torn) +
                               " bytes at byte " + std::to_string(last_at) +
                               " of " + last));
  CHECK(has_line(v->notes, "then " + std::to_string(stale) +
                               " bytes left from the file's earlier use"));
  CHECK(fs::file_size(last) == old.size());

  // The next start cuts both.
  {
    auto s = open_logged(o);
    CHECK(s.open_report().log.torn_bytes == torn);
    CHECK(s.open_report().log.stale_bytes == stale);
  }
  CHECK(fs::file_size(last) == last_at);
  auto after = verify_storage(o.store.path);
  REQUIRE(after);
  CHECK_FALSE(has_line(after->notes, "torn"));
  CHECK_FALSE(has_line(after->notes, "earlier use"));
}
