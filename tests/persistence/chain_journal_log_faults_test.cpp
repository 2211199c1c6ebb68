// The logged chain journal under failing and interrupted file operations,
// torn logs, and a log that disagrees with LMDB (docs/durability.md, "The
// chain journal's log"): nothing flushed is lost, nothing counts twice.
#include <doctest/doctest.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "persistence/write_log_format.hpp"
#include "tests/persistence/chain_log_fixture.hpp"

using namespace intentd;
using namespace intentd::test;
namespace fs = std::filesystem;

TEST_CASE("a crash at any log operation loses no flushed event and counts "
          "none twice") {
  // The journal's directory is copied just before the n-th file operation
  // of the log, as a crash there leaves it, and the copy opened; with the
  // retired segments reused as the daemon has them, and removed.
  for (bool recycle : {true, false})
    for (int n = 1; n < 1000; ++n) {
      CAPTURE(recycle);
      CAPTURE(n);
      temp_dir dir;
      temp_dir crashed;
      auto o = chain_log_options(dir, recycle);
      o.log.segment_size = 400;
      auto flushed = std::make_shared<int>(0);
      auto flushed_at_crash = std::make_shared<int>(-1);
      o.log.fault = copy_before_op(n, o.journal.path, crashed.path() / "chain",
                                   flushed, flushed_at_crash);
      {
        auto j = open_chain_log(o);
        for (int i = 0; i < 12; ++i) {
          REQUIRE(j->record(reserve_of(id_of(i))));
          REQUIRE(j->record(execute_of(id_of(i))));
          REQUIRE(j->flush());
          ++*flushed;
          if (i % 4 == 3)
            REQUIRE(j->checkpoint());
        }
      }
      if (*flushed_at_crash < 0) {
        // The run no crash reached reused retired segments.
        if (recycle)
          CHECK_FALSE(chain_spare_files(o).empty());
        break;
      }
      // The batch being written when the crash came may be there or not.
      check_crash_copy(crashed, *flushed_at_crash, 12, recycle);
    }
}

TEST_CASE("whichever log operation fails, the events are kept and logged "
          "once") {
  for (bool recycle : {true, false})
    for (int n = 1; n < 1000; ++n) {
      CAPTURE(recycle);
      CAPTURE(n);
      temp_dir dir;
      auto o = chain_log_options(dir, recycle);
      o.log.sync = true;
      o.log.segment_size = 400;
      auto count = std::make_shared<int>(0);
      o.log.fault = [count, n](log_op) { return ++*count == n ? EIO : 0; };
      int failed = 0;
      {
        auto opened = logged_chain_journal::open(o);
        if (!opened)
          continue; // the fault hit the open; nothing was written
        auto j = std::move(*opened);
        for (int i = 0; i < 12; ++i) {
          REQUIRE(j->record(execute_of(id_of(i))));
          if (!j->flush()) {
            ++failed;
            CHECK(j->last_problem().code == errc::storage_unavailable);
          }
          // Flushed or not, the event counts, once.
          CHECK(executions_in(*j, id_of(i)) == 1);
          if (i % 4 == 3)
            (void)j->checkpoint();
        }
        REQUIRE(j->flush());
      }
      CHECK(failed <= 1);
      bool hit = *count >= n;
      if (recycle && !hit)
        CHECK_FALSE(chain_spare_files(o).empty());
      o.log.fault = nullptr;
      auto j = open_chain_log(o);
      for (int i = 0; i < 12; ++i)
        CHECK(executions_in(*j, id_of(i)) == 1);
      CHECK(j->size() == 12);
      if (!hit)
        break;
    }
}

namespace {

/// A chain log in `dir` (recycled or not) of three batches, one execution
/// each, in one segment, with nothing checkpointed: its options.
logged_chain_journal_options three_batches(temp_dir& dir, bool recycle) {
  auto o = chain_log_options(dir, recycle);
  o.checkpoint_on_close = false;
  o.log.segment_size = 1 << 20;
  auto j = open_chain_log(o);
  for (int i = 0; i < 3; ++i) {
    REQUIRE(j->record(execute_of(id_of(i))));
    REQUIRE(j->flush());
  }
  return o;
}

} // namespace

TEST_CASE("a torn tail of the chain log is cut and the rest replayed") {
  // The offsets below are of a log whose last batch ends the file: its
  // segments not recycled (a recycled one's are in the next test case).
  temp_dir dir;
  auto o = three_batches(dir, false);
  auto last = chain_wal_files(o).back();
  auto size = fs::file_size(last);
  SUBCASE("the last batch cut short") {
    fs::resize_file(last, size - 5);
    auto j = open_chain_log(o);
    CHECK(j->open_report().log.torn_seq == 3);
    CHECK(j->open_report().log.torn_bytes > 0);
    CHECK(executions_in(*j, id_of(1)) == 1);
    CHECK(executions_in(*j, id_of(2)) == 0);
    // Appends go on from the cut.
    REQUIRE(j->record(execute_of(id_of(2))));
    REQUIRE(j->flush());
    j.reset();
    j = open_chain_log(o);
    CHECK(executions_in(*j, id_of(2)) == 1);
    CHECK(j->size() == 3);
  }
  SUBCASE("garbage after the last batch") {
    std::ofstream(last, std::ios::binary | std::ios::app) << "garbage bytes!";
    auto j = open_chain_log(o);
    CHECK(j->open_report().log.torn_bytes == 14);
    CHECK(j->open_report().events == 3);
    CHECK(fs::file_size(last) == size);
  }
  SUBCASE("a damaged record with a later batch after it is refused") {
    std::fstream f(last, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(40); // inside the first record's payload
    f.put('\x7f');
    f.close();
    auto j = logged_chain_journal::open(o);
    REQUIRE_FALSE(j);
    CHECK(j.error().code == errc::storage_corrupt);
  }
}

TEST_CASE("a torn tail of a recycled chain log is cut, and the old bytes "
          "after its end are never read") {
  // A recycled log's batch is followed by a record header of zeros, which
  // the next batch overwrites: the log ends there, before whatever a reused
  // segment held.
  temp_dir dir;
  auto o = three_batches(dir, true);
  auto last = chain_wal_files(o).back();
  auto size = fs::file_size(last);
  SUBCASE("the last batch cut short") {
    fs::resize_file(last, size - wal::record_header_size - 5);
    auto j = open_chain_log(o);
    CHECK(j->open_report().log.torn_seq == 3);
    CHECK(j->open_report().log.torn_bytes > 0);
    CHECK(executions_in(*j, id_of(1)) == 1);
    CHECK(executions_in(*j, id_of(2)) == 0);
    REQUIRE(j->record(execute_of(id_of(2))));
    REQUIRE(j->flush());
    j.reset();
    j = open_chain_log(o);
    CHECK(executions_in(*j, id_of(2)) == 1);
    CHECK(j->size() == 3);
  }
  SUBCASE("the end's zeros cut short") {
    fs::resize_file(last, size - 5);
    auto j = open_chain_log(o);
    CHECK(j->open_report().events == 3);
    CHECK(executions_in(*j, id_of(2)) == 1);
    REQUIRE(j->record(execute_of(id_of(3))));
    REQUIRE(j->flush());
    j.reset();
    j = open_chain_log(o);
    CHECK(j->size() == 4);
  }
  SUBCASE("old bytes after the end") {
    std::ofstream(last, std::ios::binary | std::ios::app) << "old bytes here";
    auto j = open_chain_log(o);
    CHECK(j->open_report().events == 3);
    CHECK(j->size() == 3);
    REQUIRE(j->record(execute_of(id_of(3))));
    REQUIRE(j->flush());
    j.reset();
    j = open_chain_log(o);
    CHECK(j->size() == 4);
    CHECK(executions_in(*j, id_of(3)) == 1);
  }
}

TEST_CASE("a crash between the checkpoint's commit and the log's truncation "
          "replays nothing twice") {
  temp_dir dir;
  temp_dir crashed;
  auto o = chain_log_options(dir);
  const fs::path from = o.journal.path;
  const fs::path to = crashed.path() / "chain";
  o.on_checkpoint_committed = [&] { copy_dir(from, to); };
  uint64_t c = 0;
  {
    auto j = open_chain_log(o);
    for (int i = 0; i < 20; ++i) {
      REQUIRE(j->record(reserve_of(id_of(i))));
      REQUIRE(j->record(execute_of(id_of(i))));
      REQUIRE(j->flush());
    }
    auto done = j->checkpoint();
    REQUIRE(done);
    c = done->seq;
    CHECK(done->segments_removed > 0);
  }
  auto co = chain_log_options(crashed);
  auto j = open_chain_log(co);
  CHECK(j->checkpoint_seq() == c);
  CHECK(j->open_report().log.first_seq < c); // the segments are still there
  CHECK(j->open_report().events == 0);
  for (int i = 0; i < 20; ++i)
    CHECK(executions_in(*j, id_of(i)) == 1);
  CHECK(j->size() == 40);
  // The next checkpoint removes them.
  auto before = chain_wal_files(co).size();
  REQUIRE(j->record(execute_of("next")));
  REQUIRE(j->flush());
  auto next = j->checkpoint();
  REQUIRE(next);
  CHECK(next->segments_removed == before - 1);
}

TEST_CASE("a chain log that disagrees with LMDB is refused") {
  temp_dir dir;
  temp_dir saved;
  auto o = chain_log_options(dir);
  o.checkpoint_on_close = false;
  auto wal = fs::path(o.journal.path) / "wal";
  auto write = [&](int from, int to) {
    auto j = open_chain_log(o);
    for (int i = from; i < to; ++i) {
      REQUIRE(j->record(execute_of(id_of(i))));
      REQUIRE(j->flush());
    }
    return j;
  };
  SUBCASE("its oldest segment starts after the checkpoint") {
    write(0, 20).reset();
    REQUIRE(chain_wal_files(o).size() > 1);
    fs::remove(chain_wal_files(o).front());
    auto j = logged_chain_journal::open(o);
    REQUIRE_FALSE(j);
    CHECK(j.error().code == errc::storage_corrupt);
  }
  SUBCASE("it is missing while a checkpoint is recorded") {
    {
      auto j = write(0, 5);
      REQUIRE(j->checkpoint());
    }
    fs::remove_all(wal);
    auto j = logged_chain_journal::open(o);
    REQUIRE_FALSE(j);
    CHECK(j.error().code == errc::storage_corrupt);
    CHECK(j.error().message.find("missing") != std::string::npos);
  }
  SUBCASE("it ends before the checkpoint") {
    write(0, 5).reset();
    copy_dir(wal, saved.path() / "wal");
    {
      auto j = write(5, 10);
      REQUIRE(j->checkpoint());
    }
    // LMDB from after the checkpoint, the log from before it.
    fs::remove_all(wal);
    copy_dir(saved.path() / "wal", wal);
    auto j = logged_chain_journal::open(o);
    REQUIRE_FALSE(j);
    CHECK(j.error().code == errc::storage_corrupt);
  }
}

TEST_CASE("a checkpoint LMDB cannot take keeps the overlay and the log") {
  temp_dir dir;
  auto o = chain_log_options(dir);
  o.checkpoint_on_close = false;
  o.journal.map_size = 256 * 1024;
  o.journal.max_map_size = 256 * 1024;
  o.log.segment_size = 64 * 1024;
  auto now = std::make_shared<std::chrono::steady_clock::time_point>();
  o.clock = [now] { return *now; };
  o.checkpoint_interval = std::chrono::milliseconds{1000};
  o.checkpoint_entries = 100;
  auto big = [](int i) {
    auto e = execute_of(id_of(i));
    e.account = std::string(3000, 'b');
    return e;
  };
  {
    auto j = open_chain_log(o);
    for (int i = 0; i < 99; ++i)
      REQUIRE(j->record(big(i)));
    REQUIRE(j->flush());
    auto segments = chain_wal_files(o).size();
    auto c = j->checkpoint();
    REQUIRE_FALSE(c);
    CHECK(c.error().code == errc::storage_unavailable);
    CHECK(j->checkpoint_seq() == 1);
    CHECK(j->overlay_size() == 99);
    CHECK(chain_wal_files(o).size() == segments);
    CHECK(executions_in(*j, id_of(98)) == 1);
    CHECK(value_of(j->final_event(id_of(0))) == big(0));
    // Past the threshold, but a failed checkpoint is not tried again
    // before the interval; the flush itself succeeds.
    REQUIRE(j->record(big(99)));
    REQUIRE(j->flush());
    CHECK(j->overlay_size() == 100);
    *now += std::chrono::milliseconds{1000};
    REQUIRE(j->flush()); // tried, fails again, the flush still succeeds
    CHECK(j->overlay_size() == 100);
    CHECK(j->last_problem().code == errc::storage_unavailable);
  }
  o.journal.max_map_size = 64ull << 20;
  auto j = open_chain_log(o);
  CHECK(j->open_report().events == 100);
  auto c = j->checkpoint();
  REQUIRE_MESSAGE(c, why(c));
  CHECK(c->events == 100);
  CHECK(j->overlay_size() == 0);
  for (int i = 0; i < 100; ++i)
    CHECK(executions_in(*j, id_of(i)) == 1);
  CHECK(j->size() == 100);
}

TEST_CASE("a chain checkpoint whose truncation failed truncates at the next "
          "one, with nothing new to write") {
  temp_dir dir;
  auto o = chain_log_options(dir);
  o.log.segment_size = 400;
  o.checkpoint_on_close = false;
  auto fail_removal = std::make_shared<bool>(true);
  o.log.fault = [fail_removal](log_op op) {
    return op == log_op::remove && *fail_removal ? EIO : 0;
  };
  auto j = open_chain_log(o);
  for (int i = 0; i < 12; ++i) {
    REQUIRE(j->record(execute_of(id_of(i))));
    REQUIRE(j->flush());
  }
  const auto files = chain_wal_files(o).size();
  REQUIRE(files > 2);
  auto failed = j->checkpoint();
  REQUIRE_FALSE(failed);
  CHECK(failed.error().message.find("not truncated") != std::string::npos);
  // Nothing new since: still failing while the removal fails, not a
  // checkpoint with nothing to do.
  CHECK_FALSE(j->checkpoint());
  CHECK(chain_wal_files(o).size() == files);
  *fail_removal = false;
  auto healed = j->checkpoint();
  REQUIRE_MESSAGE(healed, why(healed));
  CHECK(healed->segments_removed == files - 1);
  CHECK(chain_wal_files(o).size() == 1);
  for (int i = 0; i < 12; ++i)
    CHECK(executions_in(*j, id_of(i)) == 1);
}
