// verify_storage over a store on the write log: the records after the
// checkpoint are decoded and counted, a torn tail is a note (and stays),
// damage open() would refuse is damage.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "logged_store_fixture.hpp"
#include "persistence/store_verify.hpp"

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
