// The logged chain journal's checkpoints when LMDB keeps refusing them:
// tried again after pauses that double up to a cap, counted for the
// metrics and readiness, and, once too much waits for a checkpoint, new
// events refused until one succeeds.
#include <doctest/doctest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "tests/persistence/chain_log_fixture.hpp"

using namespace intentd;
using namespace intentd::test;
using std::chrono::milliseconds;

namespace {

/// A checkpoint that fails with storage_unavailable while `failing`.
std::function<std::optional<problem>()>
fault_while(std::shared_ptr<std::atomic<bool>> failing) {
  return [failing]() -> std::optional<problem> {
    if (!*failing)
      return std::nullopt;
    return problem{errc::storage_unavailable, "map full", {}};
  };
}

/// The journal on the caller's thread, due after 4 entries, on a clock the
/// test moves, failing its checkpoints while `failing`.
struct failing_journal {
  temp_dir dir;
  logged_chain_journal_options o = chain_log_options(dir);
  std::shared_ptr<std::chrono::steady_clock::time_point> now =
      std::make_shared<std::chrono::steady_clock::time_point>();
  std::shared_ptr<std::atomic<bool>> failing =
      std::make_shared<std::atomic<bool>>(true);

  failing_journal() {
    o.clock = [now = now] { return *now; };
    o.checkpoint_interval = milliseconds{100};
    o.checkpoint_retry_max = milliseconds{400};
    o.checkpoint_entries = 4;
    o.checkpoint_fault = fault_while(failing);
  }
};

/// Records a reserve and an execution of each of ids [from, to) and
/// flushes.
void executed(logged_chain_journal& j, int from, int to) {
  for (int i = from; i < to; ++i) {
    REQUIRE(j.record(reserve_of(id_of(i))));
    REQUIRE(j.record(execute_of(id_of(i))));
  }
  REQUIRE(j.flush());
}

} // namespace

TEST_CASE("the pause after failed checkpoints doubles from the interval up "
          "to its cap") {
  const milliseconds second{1000};
  CHECK(checkpoint_retry_pause(second, milliseconds{5000}, 0) == second);
  CHECK(checkpoint_retry_pause(second, milliseconds{5000}, 1) ==
        milliseconds{2000});
  CHECK(checkpoint_retry_pause(second, milliseconds{5000}, 2) ==
        milliseconds{4000});
  CHECK(checkpoint_retry_pause(second, milliseconds{5000}, 3) ==
        milliseconds{5000});
  CHECK(checkpoint_retry_pause(second, milliseconds{5000}, 1'000'000) ==
        milliseconds{5000});
  // At least a millisecond, and a cap below the interval is the interval.
  CHECK(checkpoint_retry_pause(milliseconds{0}, milliseconds{0}, 0) ==
        milliseconds{1});
  CHECK(checkpoint_retry_pause(second, milliseconds{10}, 3) == second);
}

TEST_CASE("a failing chain checkpoint is tried again after growing pauses "
          "and counted until one succeeds") {
  failing_journal f;
  auto j = open_chain_log(f.o);
  auto monitor = j->monitor();
  executed(*j, 0, 2); // four entries: due, frozen, failed
  auto state = monitor->checkpoints.stats();
  CHECK(state.failures == 1);
  CHECK(state.failures_in_row == 1);
  REQUIRE(state.last_problem);
  CHECK(state.last_problem->message == "map full");
  CHECK(j->last_problem().message == "map full");
  CHECK(monitor->frozen_entries == 4);

  // 200 ms after the first failure, 400 after the second, then 400.
  const milliseconds pauses[] = {milliseconds{200}, milliseconds{400},
                                 milliseconds{400}};
  uint64_t failures = 1;
  for (auto pause : pauses) {
    CAPTURE(pause.count());
    *f.now += pause - milliseconds{1};
    executed(*j, 10 + static_cast<int>(failures),
             11 + static_cast<int>(failures));
    CHECK(monitor->checkpoints.stats().failures == failures);
    *f.now += milliseconds{1};
    REQUIRE(j->flush());
    ++failures;
    CHECK(monitor->checkpoints.stats().failures == failures);
    CHECK(monitor->checkpoints.stats().failures_in_row == failures);
  }
  CHECK(j->checkpoint_seq() == 1);

  *f.failing = false;
  *f.now += milliseconds{399};
  REQUIRE(j->flush());
  CHECK(monitor->checkpoints.stats().failures_in_row == failures);
  *f.now += milliseconds{1};
  REQUIRE(j->flush());
  state = monitor->checkpoints.stats();
  CHECK(state.failures == failures);
  CHECK(state.failures_in_row == 0);
  CHECK(state.checkpoints == 1);
  CHECK_FALSE(state.last_problem);
  CHECK(j->checkpoint_seq() > 1);
  CHECK(monitor->frozen_entries == 0);
  CHECK(monitor->log_bytes > 0);
  for (int i : {0, 1, 11, 12, 13})
    CHECK(executions_in(*j, id_of(i)) == 1);
}

TEST_CASE("past its bound the chain journal refuses new events until a "
          "checkpoint succeeds") {
  failing_journal f;
  f.o.max_pending_entries = 10;
  {
    auto j = open_chain_log(f.o);
    auto monitor = j->monitor();
    executed(*j, 0, 2); // frozen, its checkpoint failed
    // Four frozen: six more fit, the seventh takes them past ten.
    for (int i = 2; i < 9; ++i)
      REQUIRE(j->record(execute_of(id_of(i))));
    CHECK(monitor->pending_entries() == 11);
    CHECK_FALSE(j->record(execute_of(id_of(9))));
    CHECK(j->describe(info_of(id_of(8), 5))); // of an event taken
    CHECK_FALSE(j->flush());
    CHECK(j->last_problem().code == errc::storage_unavailable);
    CHECK(monitor->refused == 2);
    CHECK(monitor->refusing);
    // Refused means unchanged; what was recorded before still counts.
    CHECK(executions_in(*j, id_of(9)) == 0);
    CHECK(executions_in(*j, id_of(8)) == 1);
    CHECK(j->overlay_size() == 12);

    // Not tried again before its pause, even by a refused flush.
    *f.now += milliseconds{199};
    *f.failing = false;
    CHECK_FALSE(j->flush());
    CHECK(monitor->checkpoints.stats().failures_in_row == 1);
    *f.now += milliseconds{1};
    REQUIRE(j->flush()); // the frozen layer, then the rest
    CHECK_FALSE(monitor->refusing);
    CHECK(monitor->checkpoints.stats().checkpoints == 2);
    CHECK(j->overlay_size() == 0);
    REQUIRE(j->record(execute_of(id_of(9))));
    REQUIRE(j->flush());
    for (int i = 0; i < 10; ++i)
      CHECK(executions_in(*j, id_of(i)) == 1);
  }
  auto j = open_chain_log(f.o);
  for (int i = 0; i < 10; ++i)
    CHECK(executions_in(*j, id_of(i)) == 1);
  CHECK(replayed(*j).size() == 12);
  CHECK(value_of(j->intent_info(id_of(8))) == info_of(id_of(8), 5));
}

TEST_CASE("the refusal factor sets the chain journal's bound as a multiple "
          "of its checkpoint thresholds") {
  logged_chain_journal_options defaults;
  CHECK(defaults.max_pending_entries ==
        logged_chain_journal_options::default_refuse_factor *
            defaults.checkpoint_entries);
  CHECK(defaults.max_pending_log_bytes ==
        logged_chain_journal_options::default_refuse_factor *
            defaults.checkpoint_log_bytes);

  SUBCASE("in events and descriptions") {
    failing_journal f;
    f.o.refuse_past(3); // three times four entries
    CHECK(f.o.max_pending_entries == 12);
    auto j = open_chain_log(f.o);
    auto monitor = j->monitor();
    executed(*j, 0, 2); // four frozen, their checkpoint failed
    // Nine more fit (twelve waiting, then the thirteenth), the tenth not.
    for (int i = 2; i < 11; ++i)
      REQUIRE(j->record(execute_of(id_of(i))));
    CHECK(monitor->pending_entries() == 13);
    CHECK_FALSE(j->record(execute_of(id_of(11))));
    CHECK(monitor->refused == 1);
    CHECK(j->overlay_size() == 13);
  }

  SUBCASE("in log bytes") {
    failing_journal f;
    f.o.checkpoint_entries = 1'000'000;
    f.o.checkpoint_log_bytes = 200;
    f.o.refuse_past(3);
    CHECK(f.o.max_pending_log_bytes == 600);
    CHECK(f.o.max_pending_entries == 3'000'000);
    auto j = open_chain_log(f.o);
    auto monitor = j->monitor();
    uint64_t before = 0; // the log's bytes before the last flush
    int accepted = 0;
    for (int i = 0; i < 1000; ++i) {
      if (!j->record(execute_of(id_of(i))))
        break;
      before = monitor->log_bytes;
      if (!j->flush())
        break;
      ++accepted;
    }
    // Refused once what waits is past 600 bytes of log, not before.
    CHECK(monitor->refusing);
    CHECK(monitor->refused == 1);
    CHECK(before <= 600);
    CHECK(monitor->log_bytes > 600);
    CHECK(j->last_problem().code == errc::storage_unavailable);
    CHECK(monitor->checkpoints.stats().failures >= 1);
    CHECK(accepted > 2);
    CHECK(accepted < 600);
  }
}

TEST_CASE("the checkpointer pauses twice as long after each failure, and "
          "the journal refuses past its bound until the retry succeeds") {
  temp_dir dir;
  auto o = chain_log_options(dir);
  o.checkpointer = true;
  o.checkpoint_entries = 4;
  o.max_pending_entries = 10;
  o.checkpoint_interval = milliseconds{100};
  o.checkpoint_retry_max = milliseconds{400};
  auto now = std::make_shared<std::chrono::steady_clock::time_point>();
  o.clock = [now] { return *now; };
  auto failing = std::make_shared<std::atomic<bool>>(true);
  o.checkpoint_fault = fault_while(failing);

  // The checkpointer's pauses, and a hold on it at its first pause.
  struct pauses_seen {
    std::mutex m;
    std::condition_variable cv;
    std::vector<milliseconds> seen;
    bool held = true;
  };
  auto p = std::make_shared<pauses_seen>();
  o.retry_wait = [p, failing](milliseconds pause) {
    std::unique_lock lock(p->m);
    p->seen.push_back(pause);
    p->cv.notify_all();
    p->cv.wait(lock, [&] { return !p->held; });
    if (p->seen.size() == 4)
      *failing = false;
  };
  auto done = std::make_shared<std::atomic<int>>(0);
  auto ended = std::make_shared<std::condition_variable>();
  auto ended_m = std::make_shared<std::mutex>();
  o.on_checkpoint_done = [=](const auto&) {
    std::lock_guard lock(*ended_m);
    ++*done;
    ended->notify_all();
  };

  auto j = open_chain_log(o);
  auto monitor = j->monitor();
  executed(*j, 0, 2); // frozen, handed over: fails, then the first pause
  {
    std::unique_lock lock(p->m);
    p->cv.wait(lock, [&] { return p->seen.size() == 1; });
  }
  CHECK(monitor->checkpoints.stats().failures_in_row == 1);
  for (int i = 2; i < 9; ++i)
    REQUIRE(j->record(execute_of(id_of(i))));
  CHECK_FALSE(j->record(execute_of(id_of(9))));
  CHECK_FALSE(j->flush());
  CHECK(monitor->refusing);

  {
    std::lock_guard lock(p->m);
    p->held = false;
    p->cv.notify_all();
  }
  {
    std::unique_lock lock(*ended_m);
    ended->wait(lock, [&] { return *done == 5; });
  }
  {
    std::lock_guard lock(p->m);
    CHECK(p->seen ==
          std::vector<milliseconds>{milliseconds{200}, milliseconds{400},
                                    milliseconds{400}, milliseconds{400}});
  }
  auto state = monitor->checkpoints.stats();
  CHECK(state.failures == 4);
  CHECK(state.failures_in_row == 0);
  CHECK(state.checkpoints == 1);
  REQUIRE(j->flush());
  CHECK_FALSE(monitor->refusing);
  REQUIRE(j->record(execute_of(id_of(9))));
  REQUIRE(j->flush());
  for (int i = 0; i < 10; ++i)
    CHECK(executions_in(*j, id_of(i)) == 1);
}

TEST_CASE("a chain checkpoint is counted when it writes into LMDB, not when "
          "it only truncates the log again") {
  temp_dir dir;
  auto o = chain_log_options(dir);
  o.log.segment_size = 400;
  o.checkpoint_on_close = false;
  auto fail_removal = std::make_shared<bool>(true);
  o.log.fault = [fail_removal](log_op op) {
    return op == log_op::remove && *fail_removal ? EIO : 0;
  };
  auto j = open_chain_log(o);
  auto monitor = j->monitor();
  for (int i = 0; i < 12; ++i)
    executed(*j, i, i + 1);
  REQUIRE(chain_wal_files(o).size() > 2);

  // The events reach LMDB, the log's truncation fails: a checkpoint that
  // wrote, and a failure.
  REQUIRE_FALSE(j->checkpoint());
  auto state = monitor->checkpoints.stats();
  CHECK(state.checkpoints == 1);
  CHECK(state.failures == 1);
  CHECK(state.failures_in_row == 1);
  // The truncation alone, failing again, then done: no checkpoint more.
  REQUIRE_FALSE(j->checkpoint());
  state = monitor->checkpoints.stats();
  CHECK(state.checkpoints == 1);
  CHECK(state.failures == 2);
  CHECK(state.failures_in_row == 2);
  *fail_removal = false;
  auto healed = j->checkpoint();
  REQUIRE_MESSAGE(healed, why(healed));
  CHECK(healed->events == 0);
  CHECK(healed->segments_removed > 0);
  state = monitor->checkpoints.stats();
  CHECK(state.checkpoints == 1);
  CHECK(state.failures == 2);
  CHECK(state.failures_in_row == 0);

  // Nothing to write: nothing done, nothing counted.
  REQUIRE(j->checkpoint());
  CHECK(monitor->checkpoints.stats().checkpoints == 1);
  // New events: one more.
  executed(*j, 20, 22);
  auto next = j->checkpoint();
  REQUIRE_MESSAGE(next, why(next));
  CHECK(next->events == 4);
  CHECK(monitor->checkpoints.stats().checkpoints == 2);
  // A ledger snapshot alone, with no event since: written, so counted.
  chain_ledger ledger;
  ledger.events = 28;
  ledger.block = 3;
  j->keep_snapshot(ledger);
  auto snapshot = j->checkpoint();
  REQUIRE_MESSAGE(snapshot, why(snapshot));
  CHECK(snapshot->events == 0);
  CHECK(monitor->checkpoints.stats().checkpoints == 3);
  CHECK(monitor->checkpoints.stats().failures == 2);
}
