// The chain journal behind a log: lookups over the overlay and LMDB,
// checkpoints, reopening, and the same answers as the LMDB journal for
// any sequence of events.
#include <doctest/doctest.h>

#include <fstream>
#include <iterator>

#include <filesystem>
#include <random>

#include "persistence/chain_journal_lmdb.hpp"
#include "persistence/write_log_format.hpp"
#include "tests/persistence/chain_log_fixture.hpp"

using namespace intentd;
using namespace intentd::test;
namespace fs = std::filesystem;

TEST_CASE("a logged chain journal answers from its overlay and from LMDB") {
  temp_dir dir;
  auto o = chain_log_options(dir);
  {
    auto j = open_chain_log(o);
    REQUIRE(j->record(reserve_of("a")));
    REQUIRE(j->record(execute_of("a")));
    REQUIRE(j->describe(info_of("a", 10)));
    // Before the flush: the batch counts.
    CHECK(executions_in(*j, "a") == 1);
    REQUIRE(j->flush());
    auto c = j->checkpoint();
    REQUIRE_MESSAGE(c, why(c));
    CHECK(c->events == 2);
    CHECK(c->infos == 1);
    CHECK(j->overlay_size() == 0);
    // In LMDB now; the overlay adds to it.
    REQUIRE(j->record(execute_of("a", 1)));
    REQUIRE(j->record(reserve_of("b")));
    REQUIRE(j->describe(info_of("a", 20)));
    REQUIRE(j->flush());
    CHECK(executions_in(*j, "a") == 2);
    CHECK(value_of(j->final_event("a")) == execute_of("a", 1));
    CHECK(value_of(j->tx_event(tx_of("a", 0))) == execute_of("a"));
    CHECK(value_of(j->tx_event(tx_of("a", 1))) == execute_of("a", 1));
    CHECK_FALSE(value_of(j->final_event("b")));
    CHECK(value_of(j->intent_info("a")) == info_of("a", 20));
    CHECK(execution_map(*j) == std::map<std::string, uint32_t>{{"a", 2}});
    CHECK(j->size() == 4);
  }
  // Closed cleanly: checkpointed, nothing to replay.
  auto j = open_chain_log(o);
  CHECK(j->open_report().events == 0);
  CHECK(j->checkpoint_seq() == j->log().next_seq());
  CHECK(executions_in(*j, "a") == 2);
  CHECK(value_of(j->intent_info("a")) == info_of("a", 20));
  CHECK(replayed(*j) ==
        std::vector<chain_event>{reserve_of("a"), execute_of("a"),
                                 execute_of("a", 1), reserve_of("b")});
}

TEST_CASE("a logged chain journal replays its log after a crash") {
  temp_dir dir;
  auto o = chain_log_options(dir);
  o.checkpoint_on_close = false;
  {
    auto j = open_chain_log(o);
    for (int i = 0; i < 30; ++i) {
      auto id = "i" + std::to_string(i);
      REQUIRE(j->record(reserve_of(id)));
      REQUIRE(j->record(settle_of(id)));
      REQUIRE(j->flush());
      if (i == 9)
        REQUIRE(j->checkpoint());
    }
    // Recorded, never flushed: gone with the crash.
    REQUIRE(j->record(execute_of("lost")));
  }
  auto j = open_chain_log(o);
  CHECK(j->open_report().checkpoint_seq == 21);
  CHECK(j->open_report().events == 40);
  CHECK(j->size() == 60);
  CHECK(executions_in(*j, "i0") == 1);
  CHECK(executions_in(*j, "i29") == 1);
  CHECK(executions_in(*j, "lost") == 0);
  CHECK(value_of(j->tx_event(tx_of("i29"))) == settle_of("i29"));
  CHECK(replayed(*j).size() == 60);
}

TEST_CASE("a logged chain journal checkpoints when due") {
  temp_dir dir;
  auto o = chain_log_options(dir);
  auto now = std::make_shared<std::chrono::steady_clock::time_point>();
  o.clock = [now] { return *now; };
  o.checkpoint_interval = std::chrono::milliseconds{1000};
  o.checkpoint_entries = 10;
  o.checkpoint_log_bytes = 1 << 20;
  auto j = open_chain_log(o);
  CHECK_FALSE(j->checkpoint_due(*now + std::chrono::hours{1})); // nothing
  REQUIRE(j->record(reserve_of("a")));
  REQUIRE(j->flush());
  CHECK_FALSE(j->checkpoint_due(*now));
  CHECK(j->checkpoint_due(*now + std::chrono::milliseconds{1000}));
  // Ten entries logged: due at once, and flush() runs it.
  for (int i = 0; i < 9; ++i)
    REQUIRE(j->record(reserve_of("r" + std::to_string(i))));
  REQUIRE(j->flush());
  CHECK(j->overlay_size() == 0);
  CHECK(j->checkpoint_seq() == 11);
  // The interval counts from that checkpoint.
  *now += std::chrono::milliseconds{600};
  REQUIRE(j->record(execute_of("a")));
  REQUIRE(j->flush());
  CHECK(j->overlay_size() == 1);
  *now += std::chrono::milliseconds{400};
  REQUIRE(j->flush());
  CHECK(j->overlay_size() == 0);
  CHECK(j->checkpoint_seq() == 12);
  // The log's bytes.
  o.checkpoint_entries = 1000;
  o.checkpoint_log_bytes = 600;
  j.reset();
  j = open_chain_log(o);
  REQUIRE(j->record(reserve_of("x")));
  REQUIRE(j->flush());
  CHECK(j->overlay_size() == 1);
  for (int i = 0; i < 6; ++i)
    REQUIRE(j->record(settle_of("x" + std::to_string(i))));
  REQUIRE(j->flush());
  CHECK(j->overlay_size() == 0);
}

TEST_CASE("a checkpoint removes the log segments before it") {
  temp_dir dir;
  auto o = chain_log_options(dir);
  auto j = open_chain_log(o);
  for (int i = 0; i < 40; ++i) {
    REQUIRE(j->record(execute_of("s" + std::to_string(i))));
    REQUIRE(j->flush());
  }
  auto before = chain_wal_files(o).size();
  REQUIRE(before > 3);
  auto c = j->checkpoint();
  REQUIRE(c);
  CHECK(c->segments_removed == before - 1);
  CHECK(chain_wal_files(o).size() == 1);
  CHECK(executions_in(*j, "s0") == 1);
}

TEST_CASE("the tools and tests open the chain log as the daemon does") {
  chain_journal_options journal;
  journal.path = "/x/chain";
  journal.sync = true;
  logged_chain_journal_options base;
  base.checkpoint_entries = 7;
  base.max_pending_entries = 21;
  base.log.segment_size = 1;
  auto o = chain_log_options_of(journal, base);
  CHECK(o.journal.path == "/x/chain");
  CHECK(o.log.dir.empty()); // <journal.path>/wal
  CHECK(o.log.sync);
  CHECK(o.log.recycle);
  CHECK(o.log.segment_size == 4ull << 20);
  CHECK(o.checkpoint_entries == 7);
  CHECK(o.max_pending_entries == 21);
  journal.sync = false;
  CHECK_FALSE(chain_log_options_of(journal).log.sync);

  // open_chain_journal's log is a recycling one: each batch is followed by
  // a record header of zeros for the next batch to overwrite.
  temp_dir dir;
  journal.path = (dir.path() / "chain").string();
  {
    auto j = open_chain_journal(journal, true);
    REQUIRE_MESSAGE(j, why(j));
    REQUIRE((*j)->record(execute_of("a")));
    REQUIRE((*j)->flush());
  }
  logged_chain_journal_options at;
  at.journal = journal;
  auto files = chain_wal_files(at);
  REQUIRE(files.size() == 1);
  std::string bytes;
  {
    std::ifstream in(files[0], std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  REQUIRE(bytes.size() > wal::record_header_size);
  CHECK(bytes.substr(bytes.size() - wal::record_header_size) ==
        std::string(wal::record_header_size, '\0'));
  auto j = open_chain_journal(journal, true);
  REQUIRE_MESSAGE(j, why(j));
  CHECK(replayed(**j).size() == 1);
}

TEST_CASE("read_chain_executions counts the log's executions too") {
  for (bool recycle : {true, false}) {
    CAPTURE(recycle);
    temp_dir dir;
    auto o = chain_log_options(dir, recycle);
    o.checkpoint_on_close = false;
    {
      auto j = open_chain_log(o);
      REQUIRE(j->record(execute_of("a")));
      REQUIRE(j->record(settle_of("b")));
      REQUIRE(j->flush());
      REQUIRE(j->checkpoint());
      REQUIRE(j->record(execute_of("a", 1)));
      REQUIRE(j->record(revert_of("c")));
      REQUIRE(j->record(execute_of("d")));
      REQUIRE(j->flush());
    }
    auto counts = read_chain_executions(o.journal.path);
    REQUIRE_MESSAGE(counts, why(counts));
    CHECK(*counts ==
          std::map<std::string, uint32_t>{{"a", 2}, {"b", 1}, {"d", 1}});
    // A torn tail is left alone and not counted (a recycled log's last
    // batch is followed by a record header of zeros).
    auto last = chain_wal_files(o).back();
    const uint64_t end_mark = recycle ? wal::record_header_size : 0;
    fs::resize_file(last, fs::file_size(last) - end_mark - 3);
    counts = read_chain_executions(o.journal.path);
    REQUIRE(counts);
    CHECK(*counts == std::map<std::string, uint32_t>{{"a", 2}, {"b", 1}});
    CHECK(fs::file_size(last) > 0);
  }
}

TEST_CASE("read_chain_execution_events lists each execution's "
          "transaction and where it is") {
  temp_dir dir;
  auto o = chain_log_options(dir);
  o.checkpoint_on_close = false;
  {
    auto j = open_chain_log(o);
    REQUIRE(j->record(reserve_of("a")));
    REQUIRE(j->record(execute_of("a")));
    REQUIRE(j->record(settle_of("b")));
    REQUIRE(j->flush());
    REQUIRE(j->checkpoint());
    REQUIRE(j->record(execute_of("a", 1)));
    REQUIRE(j->record(revert_of("c")));
    REQUIRE(j->flush());
  }
  auto found = read_chain_execution_events(o.journal.path);
  REQUIRE_MESSAGE(found, why(found));
  REQUIRE(found->size() == 2);
  const auto& a = found->at("a");
  REQUIRE(a.size() == 2);
  CHECK(a[0].event == execute_of("a"));
  CHECK_FALSE(a[0].in_log);
  CHECK(a[1].event == execute_of("a", 1));
  CHECK(a[1].in_log);
  const auto& b = found->at("b");
  REQUIRE(b.size() == 1);
  CHECK(b[0].event == settle_of("b"));
  CHECK_FALSE(b[0].in_log);
  CHECK(found->count("c") == 0);
}

TEST_CASE("read_chain_execution_events refuses a log that starts after its "
          "checkpoint and a directory without a journal") {
  temp_dir dir;
  auto o = chain_log_options(dir);
  o.checkpoint_on_close = false;
  {
    auto j = open_chain_log(o);
    REQUIRE(j->record(execute_of("a")));
    REQUIRE(j->flush());
    REQUIRE(j->checkpoint());
    // Past the checkpoint, over several segments.
    for (int i = 0; i < 40; ++i) {
      REQUIRE(j->record(execute_of("s" + std::to_string(i))));
      REQUIRE(j->flush());
    }
  }
  auto files = chain_wal_files(o);
  REQUIRE(files.size() > 2);
  auto whole = read_chain_executions(o.journal.path);
  REQUIRE_MESSAGE(whole, why(whole));
  CHECK(whole->size() == 41);
  // The segment holding the checkpoint's record gone: the executions in it
  // cannot be counted, so nothing is.
  fs::remove(files.front());
  auto gap = read_chain_execution_events(o.journal.path);
  REQUIRE_FALSE(gap);
  CHECK(gap.error().code == errc::storage_corrupt);
  CHECK_FALSE(read_chain_executions(o.journal.path));
  // An empty directory holds no journal: a problem, not zero executions.
  fs::create_directories(dir.path() / "empty");
  CHECK_FALSE(read_chain_execution_events((dir.path() / "empty").string()));
}

TEST_CASE("read_chain_execution_events refuses a damaged log instead of "
          "counting short") {
  for (bool recycle : {true, false}) {
    CAPTURE(recycle);
    temp_dir dir;
    auto o = chain_log_options(dir, recycle);
    o.checkpoint_on_close = false;
    {
      auto j = open_chain_log(o);
      for (int i = 0; i < 40; ++i) {
        REQUIRE(j->record(execute_of("d" + std::to_string(i))));
        REQUIRE(j->flush());
      }
    }
    auto files = chain_wal_files(o);
    REQUIRE(files.size() > 2);
    // A flipped byte in the last record of a segment before the last (a
    // recycled log's segment ends in a record header of zeros after it):
    // the executions after it are on disk but cannot be read back, so
    // nothing is counted.
    std::string bytes;
    {
      std::ifstream in(files[1], std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    const std::size_t end_mark = recycle ? wal::record_header_size : 0;
    bytes[bytes.size() - end_mark - 2] ^= 0x20;
    std::ofstream(files[1], std::ios::binary | std::ios::trunc) << bytes;
    auto damaged = read_chain_execution_events(o.journal.path);
    REQUIRE_FALSE(damaged);
    CHECK(damaged.error().code == errc::storage_corrupt);
    CHECK_FALSE(read_chain_executions(o.journal.path));
  }
}

TEST_CASE("the LMDB journal refuses a journal whose log was not "
          "checkpointed") {
  temp_dir dir;
  auto o = chain_log_options(dir);
  o.checkpoint_on_close = false;
  {
    auto j = open_chain_log(o);
    REQUIRE(j->record(execute_of("a")));
    REQUIRE(j->flush());
  }
  auto refused = lmdb_chain_journal::open(o.journal);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == errc::storage_unavailable);
  CHECK(refused.error().message.find("chain.simulated.journal: log") !=
        std::string::npos);
  // Opened as logged and closed cleanly, it is LMDB's alone again.
  o.checkpoint_on_close = true;
  open_chain_log(o).reset();
  auto j = lmdb_chain_journal::open(o.journal);
  REQUIRE_MESSAGE(j, why(j));
  CHECK(executions_in(**j, "a") == 1);
  CHECK((*j)->size() == 1);
}

TEST_CASE("a logged chain journal opens an LMDB journal's history") {
  temp_dir dir;
  auto o = chain_log_options(dir);
  {
    auto j = lmdb_chain_journal::open(o.journal);
    REQUIRE(j);
    REQUIRE((*j)->record(execute_of("old")));
    REQUIRE((*j)->flush());
  }
  auto j = open_chain_log(o);
  CHECK(j->checkpoint_seq() == 1);
  CHECK(executions_in(*j, "old") == 1);
  REQUIRE(j->record(execute_of("new")));
  REQUIRE(j->flush());
  REQUIRE(j->checkpoint());
  CHECK(replayed(*j) ==
        std::vector<chain_event>{execute_of("old"), execute_of("new")});
}

namespace {

/// A random event for one of a few intents, a unique transaction each.
chain_event random_event(std::mt19937_64& rng, int n) {
  auto id = "r" + std::to_string(rng() % 12);
  switch (rng() % 6) {
  case 0:
    return reserve_of(id);
  case 1:
    return execute_of(id, n);
  case 2:
    return settle_of(id, n);
  case 3:
    return revert_of(id, n);
  case 4:
    return release_of(id);
  default:
    return reserve_of(id);
  }
}

void same_answers(lmdb_chain_journal& a, logged_chain_journal& b) {
  for (int i = 0; i < 12; ++i) {
    auto id = "r" + std::to_string(i);
    CAPTURE(id);
    CHECK(executions_in(a, id) == executions_in(b, id));
    CHECK(value_of(a.final_event(id)) == value_of(b.final_event(id)));
    CHECK(value_of(a.intent_info(id)) == value_of(b.intent_info(id)));
  }
  CHECK(execution_map(a) == execution_map(b));
  CHECK(a.size() == b.size());
}

} // namespace

TEST_CASE("the logged chain journal answers as the LMDB journal over random "
          "events") {
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    temp_dir dir_a;
    temp_dir dir_b;
    chain_journal_options oa;
    oa.path = (dir_a.path() / "chain").string();
    oa.sync = false;
    auto ob = chain_log_options(dir_b);
    ob.checkpoint_entries = 5 + seed * 7;
    ob.checkpoint_on_close = seed % 2 == 0;
    auto a = std::move(*lmdb_chain_journal::open(oa));
    auto b = open_chain_log(ob);
    std::vector<std::string> hashes;
    for (int step = 0; step < 400; ++step) {
      auto pick = rng() % 20;
      if (pick < 12) {
        auto e = random_event(rng, step);
        if (!e.tx_hash.empty())
          hashes.push_back(e.tx_hash);
        REQUIRE(a->record(e));
        REQUIRE(b->record(e));
      } else if (pick < 14) {
        auto info = info_of("r" + std::to_string(rng() % 12),
                            static_cast<time_us>(step));
        REQUIRE(a->describe(info));
        REQUIRE(b->describe(info));
      } else if (pick < 18) {
        REQUIRE(a->flush());
        REQUIRE(b->flush());
      } else if (pick < 19) {
        REQUIRE(b->checkpoint());
      } else {
        // Both reopened after a flush (a crash after it for b unless it
        // checkpoints on close).
        REQUIRE(a->flush());
        REQUIRE(b->flush());
        a.reset();
        b.reset();
        a = std::move(*lmdb_chain_journal::open(oa));
        b = open_chain_log(ob);
      }
      if (step % 25 == 0)
        same_answers(*a, *b);
    }
    REQUIRE(a->flush());
    REQUIRE(b->flush());
    same_answers(*a, *b);
    for (const auto& h : hashes)
      CHECK(value_of(a->tx_event(h)) == value_of(b->tx_event(h)));
    CHECK(replayed(*a) == replayed(*b));
  }
}
