// When a logged store checkpoints on its own: the trigger driven by an
// injected clock, and the checkpointer thread against a writer and a
// reader running at the same time.
#include <doctest/doctest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "logged_store_fixture.hpp"

using namespace intentd;
using namespace intentd::test;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

/// Polls `done` until it holds or 20 s passed (the checkpointer runs on its
/// own thread): whether it held.
template<class F>
bool eventually(F&& done) {
  auto until = clock_type::now() + 20s;
  while (!done()) {
    if (clock_type::now() > until)
      return false;
    std::this_thread::yield();
  }
  return true;
}

uint64_t total(const std::vector<uint64_t>& counts) {
  return std::accumulate(counts.begin(), counts.end(), uint64_t{0});
}

} // namespace

TEST_CASE("a checkpoint is due after the interval, at the table's or the "
          "log's threshold, and only when something was logged") {
  temp_dir dir;
  auto o = logged_options(dir);
  clock_type::time_point now{};
  const auto t = now + 100s;
  now = t;
  o.clock = [&] { return now; };
  o.checkpoint_interval = 1000ms;
  o.checkpoint_records = 5;
  o.checkpoint_log_bytes = 1ull << 40;
  auto s = open_logged(o);

  // Nothing logged: never due.
  CHECK_FALSE(s.checkpoint_due(t + 10s));
  CHECK_FALSE(value_of(s.maybe_checkpoint(t + 10s)));

  SUBCASE("the interval, counted from open and then from the last one") {
    put_ok(s, {rec_of(1)});
    CHECK_FALSE(s.checkpoint_due(t + 999ms));
    CHECK_FALSE(value_of(s.maybe_checkpoint(t + 999ms)));
    CHECK(s.table_size() == 1);
    CHECK(s.checkpoint_due(t + 1000ms));
    auto ran = value_of(s.maybe_checkpoint(t + 1000ms));
    REQUIRE(ran);
    CHECK(ran->records == 1);
    CHECK(s.table_size() == 0);
    put_ok(s, {advanced(rec_of(1), intent_status::verified, t0 + 1)});
    CHECK_FALSE(s.checkpoint_due(t + 1999ms));
    CHECK(s.checkpoint_due(t + 2000ms));
    // An explicit checkpoint restarts the interval at the clock's now.
    now = t + 1500ms;
    REQUIRE(s.checkpoint());
    put_ok(s, {rec_of(2)});
    CHECK_FALSE(s.checkpoint_due(t + 2499ms));
    CHECK(s.checkpoint_due(t + 2500ms));
  }
  SUBCASE("the table's size") {
    put_ok(s, {rec_of(1), rec_of(2), rec_of(3), rec_of(4)});
    // A transition of an intent the table holds adds no entry.
    put_ok(s, {advanced(rec_of(4), intent_status::verified, t0 + 1)});
    CHECK_FALSE(s.checkpoint_due(t + 1ms));
    put_ok(s, {rec_of(5)});
    CHECK(s.checkpoint_due(t + 1ms));
    auto ran = value_of(s.maybe_checkpoint(t + 1ms));
    REQUIRE(ran);
    CHECK(ran->records == 5);
    CHECK_FALSE(s.checkpoint_due(t + 2ms));
  }
}

TEST_CASE("held checkpoints are not due, and none runs, until released; "
          "an explicit checkpoint still runs") {
  temp_dir dir;
  auto o = logged_options(dir);
  clock_type::time_point now{};
  const auto t = now + 100s;
  now = t;
  o.clock = [&] { return now; };
  o.checkpoint_interval = 1000ms;
  o.checkpoint_records = 2;
  o.checkpoint_log_bytes = 1ull << 40;
  o.hold_checkpoints = true;
  // A log to replay: the table holds it after open.
  {
    auto first = o;
    first.hold_checkpoints = false;
    auto s = open_logged(first);
    put_ok(s, {rec_of(1), rec_of(2), rec_of(3)});
  }
  auto s = open_logged(o);
  REQUIRE(s.table_size() == 3);
  CHECK(s.checkpoints_held());
  const auto c = s.checkpoint_seq();
  // Past the interval and the table's threshold: held all the same.
  put_ok(s, {advanced(rec_of(1), intent_status::verified, t0 + 1)});
  CHECK_FALSE(s.checkpoint_due(t + 10s));
  CHECK_FALSE(value_of(s.maybe_checkpoint(t + 10s)));
  CHECK(s.table_size() == 3);
  CHECK(s.checkpoint_seq() == c);
  CHECK_FALSE(value_of(s.store().checkpoint_seq()));
  CHECK_FALSE(value_of(s.store().find(rec_of(1).request.id)));

  SUBCASE("released: due, and it runs") {
    s.release_checkpoints();
    CHECK_FALSE(s.checkpoints_held());
    CHECK(s.checkpoint_due(t + 10s));
    auto ran = value_of(s.maybe_checkpoint(t + 10s));
    REQUIRE(ran);
    CHECK(ran->records == 3);
    CHECK(s.table_size() == 0);
    auto stored = value_of(s.store().find(rec_of(1).request.id));
    REQUIRE(stored);
    CHECK(stored->status == intent_status::verified);
  }
  SUBCASE("past four times a threshold, held checkpoints run anyway") {
    put_ok(s, {rec_of(4), rec_of(5), rec_of(6), rec_of(7)});
    REQUIRE(s.table_size() == 7);
    CHECK_FALSE(s.checkpoint_due(t + 10s));
    put_ok(s, {rec_of(8)});
    CHECK(s.checkpoint_due(t + 10s));
    auto ran = value_of(s.maybe_checkpoint(t + 10s));
    REQUIRE(ran);
    CHECK(ran->records == 8);
    CHECK(s.checkpoints_held());
  }
  SUBCASE("an explicit checkpoint (a clean stop's) is not held") {
    auto ran = s.checkpoint();
    REQUIRE_MESSAGE(ran, why(ran));
    CHECK(ran->records == 3);
    CHECK(s.checkpoints_held());
  }
}

TEST_CASE("the checkpointer thread holds its checkpoints until released") {
  temp_dir dir;
  auto o = logged_options(dir);
  o.checkpoint_interval = 1ms;
  o.checkpoint_records = 1;
  o.checkpointer = true;
  o.hold_checkpoints = true;
  auto s = open_logged(o);
  for (int i = 0; i < 4; ++i)
    put_ok(s, {rec_of(i)});
  // Whatever turns the thread took meanwhile, it checkpointed nothing.
  CHECK(s.checkpointer_state().checkpoints == 0);
  CHECK(s.table_size() == 4);
  s.release_checkpoints();
  REQUIRE(eventually([&] { return s.checkpointer_state().checkpoints > 0; }));
  REQUIRE(eventually([&] { return s.table_size() == 0; }));
  s.stop_checkpointer();
  CHECK_FALSE(s.checkpointer_state().last_problem);
}

TEST_CASE("a checkpoint is due when the log grew by its threshold") {
  temp_dir dir;
  auto o = logged_options(dir);
  clock_type::time_point now{};
  o.clock = [&] { return now; };
  o.checkpoint_interval = 1000s;
  o.checkpoint_records = 1'000'000;
  // Two or three records of the log (each a few hundred bytes).
  o.checkpoint_log_bytes = 2 * (encode_log_payload(rec_of(1)).size() + 20);
  auto s = open_logged(o);
  put_ok(s, {rec_of(1)});
  CHECK_FALSE(s.checkpoint_due(now));
  // The same intent again: the table stays at one entry, the log grows.
  put_ok(s, {advanced(rec_of(1), intent_status::verified, t0 + 1)});
  CHECK(s.checkpoint_due(now));
  REQUIRE(value_of(s.maybe_checkpoint(now)));
  CHECK_FALSE(s.checkpoint_due(now));
  put_ok(s, {advanced(rec_of(1), intent_status::executing, t0 + 2)});
  CHECK_FALSE(s.checkpoint_due(now));
}

TEST_CASE("the checkpointer thread checkpoints while a writer puts and a "
          "reader reads; the store then matches a plain one") {
  temp_dir a;
  temp_dir b;
  auto o = logged_options(a);
  o.checkpoint_interval = 2ms;
  o.checkpoint_records = 16;
  o.checkpoint_batch = 7;
  o.checkpointer = true;
  auto plain = open_store(fast_options(b));
  // Intents created: started before their put, published after it
  // returned.
  std::atomic<int> started{0};
  std::atomic<int> published{0};
  std::atomic<bool> writing{true};
  std::atomic<uint64_t> reads{0};
  std::vector<std::string> failures;
  std::atomic<bool> failed{false};
  {
    auto logged = open_logged(o);
    // The reader: every published intent is found, and the counts add up
    // to between the intents published before and started after they were
    // read,
    // whatever a checkpoint is doing meanwhile.
    std::thread reader([&] {
      while (writing) {
        int before = published;
        auto counts = logged.count_by_status();
        int after = started;
        if (!counts) {
          failures.push_back("count_by_status: " + counts.error().message);
          failed = true;
          return;
        }
        auto n = total(*counts);
        if (n < static_cast<uint64_t>(before) ||
            n > static_cast<uint64_t>(after)) {
          failures.push_back("counts add up to " + std::to_string(n) +
                             ", published " + std::to_string(before) + ".." +
                             std::to_string(after));
          failed = true;
          return;
        }
        if (before > 0) {
          auto id = rec_of(before - 1).request.id;
          auto found = logged.find(id);
          if (!found || !*found) {
            failures.push_back("not found: " + id);
            failed = true;
            return;
          }
        }
        ++reads;
      }
    });
    for (int i = 0; i < 600; ++i) {
      std::vector<intent_record> recs{rec_of(i)};
      if (i >= 3)
        recs.push_back(advanced(rec_of(i - 3), intent_status::completed,
                                t0 + i * 1000 + 7));
      started = i + 1;
      auto put = logged.put(recs);
      REQUIRE_MESSAGE(put, why(put));
      REQUIRE(plain.put(recs));
      published = i + 1;
    }
    bool read = eventually([&] { return reads > 0 || failed; });
    writing = false;
    reader.join();
    CHECK(read);
    for (const auto& f : failures)
      FAIL(f);
    // The intents that ended go, oldest first, as retention would, while
    // the checkpointer runs.
    for (int i = 0; i < 10; ++i)
      CHECK(value_of(logged.purge_terminal_before(t0 + 300'000, 20)) ==
            value_of(plain.purge_terminal_before(t0 + 300'000, 20)));
    REQUIRE(eventually(
        [&] { return logged.checkpointer_state().checkpoints > 0; }));
    logged.stop_checkpointer();
    CHECK_FALSE(logged.checkpointer_state().last_problem);
    CHECK(value_of(logged.count_by_status()) ==
          value_of(plain.count_by_status()));
    CHECK(value_of(logged.oldest_terminal_update()) ==
          value_of(plain.oldest_terminal_update()));
    CHECK(value_of(logged.live_by_expiry(1000)) ==
          value_of(plain.live_by_expiry(1000)));
  }
  // Whatever the checkpoints had reached, a replay completes the state.
  o.checkpointer = false;
  auto logged = open_logged(o);
  CHECK(value_of(logged.count_by_status()) ==
        value_of(plain.count_by_status()));
  for (int i = 0; i < 600; ++i) {
    auto id = rec_of(i).request.id;
    CAPTURE(id);
    auto x = value_of(logged.find(id));
    auto y = value_of(plain.find(id));
    REQUIRE(x.has_value() == y.has_value());
    if (x)
      CHECK(x->seq == y->seq);
  }
  REQUIRE(logged.checkpoint());
  CHECK(value_of(logged.store().count_by_status()) ==
        value_of(plain.count_by_status()));
}

TEST_CASE("the checkpointer reports a failed checkpoint and tries again") {
  temp_dir dir;
  auto o = logged_options(dir);
  std::atomic<bool> fail_removal{true};
  o.log.fault = [&](log_op op) {
    return op == log_op::remove && fail_removal ? EIO : 0;
  };
  o.checkpoint_interval = 1ms;
  o.checkpoint_retry_max = 4ms;
  o.checkpoint_records = 1;
  o.checkpointer = true;
  auto s = open_logged(o);
  // Enough records for whole segments to remove.
  for (int i = 0; i < 40; ++i)
    put_ok(s, {rec_of(i)});
  REQUIRE(eventually([&] { return s.checkpointer_state().failures > 0; }));
  auto state = s.checkpointer_state();
  REQUIRE(state.last_problem);
  CHECK(state.last_problem->message.find("not truncated") != std::string::npos);
  CHECK(state.failures_in_row > 0);
  CHECK(state.failures_in_row <= state.failures);
  fail_removal = false;
  put_ok(s, {rec_of(40)});
  REQUIRE(eventually([&] {
    auto st = s.checkpointer_state();
    return st.checkpoints > 0 && !st.last_problem;
  }));
  CHECK(s.checkpointer_state().failures_in_row == 0);
  REQUIRE(eventually([&] { return s.table_size() == 0; }));
  s.stop_checkpointer();
  CHECK(wal_files(dir.path()).size() == 1);
}

TEST_CASE("a checkpoint whose truncation failed is due until the log is "
          "truncated") {
  temp_dir dir;
  auto o = logged_options(dir);
  bool fail_removal = true;
  o.log.fault = [&](log_op op) {
    return op == log_op::remove && fail_removal ? EIO : 0;
  };
  auto s = open_logged(o);
  for (int i = 0; i < 40; ++i)
    put_ok(s, {rec_of(i)});
  const auto files = wal_files(dir.path()).size();
  REQUIRE(files > 2);
  auto failed = s.checkpoint();
  REQUIRE_FALSE(failed);
  CHECK(failed.error().message.find("not truncated") != std::string::npos);
  // LMDB holds everything, nothing new was written: still due, and still
  // failing while the removal fails.
  const auto now = std::chrono::steady_clock::now();
  CHECK(s.checkpoint_due(now));
  CHECK_FALSE(s.maybe_checkpoint(now));
  CHECK(wal_files(dir.path()).size() == files);
  fail_removal = false;
  auto healed = s.maybe_checkpoint(now);
  REQUIRE_MESSAGE(healed, why(healed));
  REQUIRE(*healed);
  CHECK((*healed)->segments_removed == files - 1);
  CHECK(wal_files(dir.path()).size() == 1);
  CHECK_FALSE(s.checkpoint_due(now));
}

TEST_CASE("a logged store whose checkpointer runs can be assigned another") {
  temp_dir a;
  temp_dir b;
  auto oa = logged_options(a);
  oa.checkpointer = true;
  auto s = open_logged(oa);
  put_ok(s, {rec_of(1)});
  s = open_logged(logged_options(b));
  put_ok(s, {rec_of(2)});
  CHECK_FALSE(value_of(s.find(rec_of(1).request.id)));
  CHECK(value_of(s.find(rec_of(2).request.id)));
  s.start_checkpointer();
  logged_store moved = std::move(s);
  REQUIRE(moved.checkpoint());
  CHECK(moved.table_size() == 0);
}
