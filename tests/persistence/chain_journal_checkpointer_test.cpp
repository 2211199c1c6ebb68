// The logged chain journal's checkpointer (docs/durability.md, "The chain
// journal's log"): a checkpoint commits on its own thread while the owner
// flushes and looks up, the answers stay exact at every step, a failed one
// keeps its layer and is tried again, and a crash at each step of the
// sequence loses nothing flushed and counts nothing twice.
#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tests/persistence/chain_log_fixture.hpp"

using namespace intentd;
using namespace intentd::test;
namespace fs = std::filesystem;

namespace {

/// Opened once, waited for by another thread.
class gate {
public:
  void open() {
    std::lock_guard lock(m_);
    open_ = true;
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock lock(m_);
    cv_.wait(lock, [&] { return open_; });
  }

private:
  std::mutex m_;
  std::condition_variable cv_;
  bool open_ = false;
};

/// Counts the checkpoints that ended; waited for by another thread.
class counter {
public:
  void add() {
    std::lock_guard lock(m_);
    ++n_;
    cv_.notify_all();
  }
  void wait_for(int n) {
    std::unique_lock lock(m_);
    cv_.wait(lock, [&] { return n_ >= n; });
  }

private:
  std::mutex m_;
  std::condition_variable cv_;
  int n_ = 0;
};

/// The journal's options with the checkpointer's thread, due after every
/// `entries` events and descriptions.
logged_chain_journal_options threaded(const temp_dir& dir,
                                      std::size_t entries) {
  auto o = chain_log_options(dir);
  o.checkpointer = true;
  o.checkpoint_entries = entries;
  return o;
}

} // namespace

TEST_CASE("flushes and lookups go on, exact, while the checkpointer commits") {
  temp_dir dir;
  auto o = threaded(dir, 8);
  auto started = std::make_shared<gate>();
  auto commit = std::make_shared<gate>();
  auto committed = std::make_shared<gate>();
  auto drop = std::make_shared<gate>();
  auto ended = std::make_shared<gate>();
  o.on_checkpoint_start = [=] {
    started->open();
    commit->wait();
  };
  o.on_checkpoint_committed = [=] {
    committed->open();
    drop->wait();
  };
  o.on_checkpoint_done = [=](const auto&) { ended->open(); };
  {
    auto j = open_chain_log(o);
    for (int i = 0; i < 4; ++i) {
      REQUIRE(j->record(reserve_of(id_of(i))));
      REQUIRE(j->record(execute_of(id_of(i))));
      REQUIRE(j->flush());
    }
    // Eight entries: frozen and handed over; the checkpointer holds before
    // its LMDB transaction.
    started->wait();
    CHECK(j->checkpoint_seq() == 1);
    CHECK(j->overlay_size() == 8);
    CHECK_FALSE(j->checkpoint_due(std::chrono::steady_clock::now() +
                                  std::chrono::hours{2}));

    // The owner goes on: flushes return, the frozen layer answers.
    for (int i = 4; i < 8; ++i) {
      REQUIRE(j->record(reserve_of(id_of(i))));
      REQUIRE(j->record(execute_of(id_of(i))));
      REQUIRE(j->flush());
    }
    REQUIRE(j->record(execute_of(id_of(0), 1)));
    REQUIRE(j->describe(info_of(id_of(1), 7)));
    REQUIRE(j->flush());
    // Past the threshold again, but one layer at most is frozen.
    CHECK(j->overlay_size() == 8 + 10);
    CHECK_FALSE(j->checkpoint_due(std::chrono::steady_clock::now() +
                                  std::chrono::hours{2}));
    auto check_all = [&] {
      CHECK(executions_in(*j, id_of(0)) == 2);
      for (int i = 1; i < 8; ++i)
        CHECK(executions_in(*j, id_of(i)) == 1);
      CHECK(value_of(j->final_event(id_of(0))) == execute_of(id_of(0), 1));
      CHECK(value_of(j->final_event(id_of(3))) == execute_of(id_of(3)));
      CHECK(value_of(j->tx_event(tx_of(id_of(2)))) == execute_of(id_of(2)));
      CHECK(value_of(j->intent_info(id_of(1))) == info_of(id_of(1), 7));
      auto all = execution_map(*j);
      CHECK(all.size() == 8);
      CHECK(all[id_of(0)] == 2);
      CHECK(j->size() == 17);
    };
    check_all();

    // LMDB committed the layer, which is not dropped yet: LMDB's view holds
    // it, and the lookups take it from there, once.
    commit->open();
    committed->wait();
    CHECK(j->checkpoint_seq() == 9);
    check_all();
    REQUIRE(j->record(execute_of(id_of(5), 1)));
    REQUIRE(j->flush());
    CHECK(executions_in(*j, id_of(5)) == 2);
    CHECK(j->size() == 18);

    // Dropped, the log truncated before it.
    drop->open();
    ended->wait();
    CHECK(j->overlay_size() == 11);
    CHECK(executions_in(*j, id_of(5)) == 2);
    CHECK(executions_in(*j, id_of(0)) == 2);
    CHECK(j->size() == 18);
    CHECK(j->checkpointer_state().checkpoints == 1);
    CHECK(replayed(*j).size() == 18);
  }
  // Closed cleanly: the checkpointer stopped, the rest checkpointed.
  auto c = chain_log_options(dir);
  auto j = open_chain_log(c);
  CHECK(j->open_report().events == 0);
  CHECK(j->size() == 18);
  CHECK(executions_in(*j, id_of(0)) == 2);
  CHECK(executions_in(*j, id_of(5)) == 2);
  CHECK(value_of(j->intent_info(id_of(1))) == info_of(id_of(1), 7));
  CHECK(replayed(*j).size() == 18);
}

TEST_CASE("a checkpoint that fails on the checkpointer's thread keeps its "
          "layer and is tried again") {
  temp_dir dir;
  auto o = threaded(dir, 100);
  o.checkpoint_on_close = false;
  o.journal.map_size = 256 * 1024;
  o.journal.max_map_size = 256 * 1024;
  o.log.segment_size = 64 * 1024;
  // The pause before a retry; the thresholds never come due by time.
  o.checkpoint_interval = std::chrono::milliseconds{1};
  auto now = std::make_shared<std::chrono::steady_clock::time_point>();
  o.clock = [now] { return *now; };
  auto ended = std::make_shared<counter>();
  o.on_checkpoint_done = [=](const auto&) { ended->add(); };
  auto big = [](int i) {
    auto e = execute_of(id_of(i));
    e.account = std::string(3000, 'b');
    return e;
  };
  {
    auto j = open_chain_log(o);
    for (int i = 0; i < 100; ++i)
      REQUIRE(j->record(big(i)));
    REQUIRE(j->flush()); // frozen: LMDB cannot take it
    ended->wait_for(2);  // failed, and failed again
    auto state = j->checkpointer_state();
    CHECK(state.failures >= 2);
    CHECK(state.checkpoints == 0);
    REQUIRE(state.last_problem);
    CHECK(state.last_problem->code == errc::storage_unavailable);
    CHECK(j->checkpoint_seq() == 1);
    CHECK(j->overlay_size() == 100);
    CHECK(executions_in(*j, id_of(99)) == 1);
    CHECK(value_of(j->final_event(id_of(0))) == big(0));
    // The flushes go on and see the problem.
    REQUIRE(j->record(execute_of("later")));
    REQUIRE(j->flush());
    CHECK(j->last_problem().code == errc::storage_unavailable);
    CHECK(j->overlay_size() == 101);
    CHECK(j->size() == 101);
  }
  o.journal.max_map_size = 64ull << 20;
  o.on_checkpoint_done = nullptr;
  o.checkpointer = false;
  auto j = open_chain_log(o);
  CHECK(j->open_report().events == 101);
  auto c = j->checkpoint();
  REQUIRE_MESSAGE(c, why(c));
  CHECK(c->events == 101);
  for (int i = 0; i < 100; ++i)
    CHECK(executions_in(*j, id_of(i)) == 1);
}

TEST_CASE("a crash at any step of a checkpoint on the checkpointer's thread "
          "loses no flushed event and counts none twice") {
  // The directory is copied just before the n-th file operation of the log
  // (the owner's appends and the checkpointer's truncations), as a crash
  // there leaves it; the owner waits for each checkpoint, so that the
  // operations come in one order.
  for (int n = 1; n < 1000; ++n) {
    CAPTURE(n);
    temp_dir dir;
    temp_dir crashed;
    auto o = threaded(dir, 8);
    o.log.segment_size = 400;
    // Both threads run the fault hook: the counters are atomic.
    auto count = std::make_shared<std::atomic<int>>(0);
    auto flushed = std::make_shared<std::atomic<int>>(0);
    auto flushed_at_crash = std::make_shared<std::atomic<int>>(-1);
    auto ended = std::make_shared<counter>();
    const fs::path from = o.journal.path;
    const fs::path to = crashed.path() / "chain";
    o.log.fault = [=](log_op) {
      if (++*count == n) {
        flushed_at_crash->store(flushed->load());
        copy_dir(from, to);
      }
      return 0;
    };
    o.on_checkpoint_done = [=](const auto&) { ended->add(); };
    {
      auto j = open_chain_log(o);
      for (int i = 0; i < 12; ++i) {
        REQUIRE(j->record(reserve_of(id_of(i))));
        REQUIRE(j->record(execute_of(id_of(i))));
        REQUIRE(j->flush());
        ++*flushed;
        if (i % 4 == 3)
          ended->wait_for((i + 1) / 4);
      }
      CHECK(j->checkpointer_state().checkpoints == 3);
    }
    if (*flushed_at_crash < 0)
      break;
    check_crash_copy(crashed, *flushed_at_crash);
  }
}

TEST_CASE("a crash before or after the checkpointer's LMDB commit replays "
          "every flushed event once") {
  // Copied when the checkpointer takes the frozen layer (LMDB as before,
  // the whole log) and when LMDB committed it (the log not truncated yet),
  // while the owner has flushed past the layer.
  for (int step = 0; step < 2; ++step) {
    for (int at = 1; at <= 3; ++at) {
      CAPTURE(step);
      CAPTURE(at);
      temp_dir dir;
      temp_dir crashed;
      auto o = threaded(dir, 8);
      o.log.segment_size = 400;
      const fs::path from = o.journal.path;
      const fs::path to = crashed.path() / "chain";
      auto seen = std::make_shared<int>(0);
      auto ended = std::make_shared<counter>();
      auto copy = [=] { copy_dir(from, to); };
      if (step == 0)
        o.on_checkpoint_start = [=] {
          if (++*seen == at)
            copy();
        };
      else
        o.on_checkpoint_committed = [=] {
          if (++*seen == at)
            copy();
        };
      o.on_checkpoint_done = [=](const auto&) { ended->add(); };
      uint64_t layer_seq = 0;
      {
        auto j = open_chain_log(o);
        for (int i = 0; i < 12; ++i) {
          REQUIRE(j->record(reserve_of(id_of(i))));
          REQUIRE(j->record(execute_of(id_of(i))));
          REQUIRE(j->flush());
          if (i % 4 == 3) {
            ended->wait_for((i + 1) / 4);
            if ((i + 1) / 4 == at)
              layer_seq = j->checkpoint_seq();
          }
        }
      }
      auto c = chain_log_options(crashed);
      auto j = open_chain_log(c);
      // Before the commit: LMDB at the checkpoint before; after: at this one.
      CHECK(j->checkpoint_seq() == (step == 0 ? layer_seq - 8 : layer_seq));
      for (int i = 0; i < 4 * at; ++i)
        CHECK(executions_in(*j, id_of(i)) == 1);
      for (int i = 4 * at; i < 12; ++i)
        CHECK(executions_in(*j, id_of(i)) == 0);
      CHECK(j->size() == static_cast<uint64_t>(8 * at));
      CHECK(replayed(*j).size() == static_cast<std::size_t>(8 * at));
      // Its next checkpoint takes the rest.
      auto next = j->checkpoint();
      REQUIRE_MESSAGE(next, why(next));
      CHECK(next->events == (step == 0 ? 8u : 0u));
    }
  }
}
