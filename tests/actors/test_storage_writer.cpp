#include <doctest/doctest.h>

#include "fixture.hpp"

using namespace intentd;
using namespace intentd::test;

namespace {

struct writer_fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  std::vector<std::vector<std::string>> batches;
  bool fail = false;
  std::vector<std::pair<size_t, bool>> commits; // seen by on_commit
  storage_writer_actor writer;

  explicit writer_fixture(size_t max_batch = 1024,
                          std::chrono::microseconds max_wait = {}) {
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.verbosity", caf::atom("quiet"));
    add_message_types(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
    writer = spawn_storage_writer(
        *sys,
        [this](const std::vector<intent_record>& recs) -> write_outcome {
          std::vector<std::string> ids;
          ids.reserve(recs.size());
          for (auto& r : recs)
            ids.push_back(r.request.id);
          batches.push_back(ids);
          if (fail)
            return problem{errc::storage_unavailable, "disk full", {}};
          return done{};
        },
        options(max_batch, max_wait), false);
  }

  writer_options options(size_t max_batch, std::chrono::microseconds max_wait) {
    writer_options opts;
    opts.max_batch = max_batch;
    opts.max_wait = max_wait;
    opts.on_commit = [this](std::chrono::nanoseconds took, size_t n, bool ok) {
      CHECK(took.count() >= 0);
      commits.emplace_back(n, ok);
    };
    return opts;
  }

  ~writer_fixture() {
    caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
    sched->run();
  }

  /// Spawns `n` writers that each send one record; returns their answers.
  std::shared_ptr<std::vector<write_outcome>> write_many(int n, int first = 0) {
    auto answers = std::make_shared<std::vector<write_outcome>>();
    for (int i = first; i < first + n; ++i) {
      intent_record rec;
      rec.request.id = "w" + std::to_string(i);
      sys->spawn([=, w = writer](caf::event_based_actor* self) {
        self->request(w, caf::infinite, write_atom::value, rec)
            .then([=](write_outcome& r) { answers->push_back(r); });
      });
    }
    sched->run();
    return answers;
  }
};

} // namespace

TEST_CASE("writes arriving together share one commit") {
  writer_fixture f;
  auto answers = f.write_many(10);
  REQUIRE(answers->size() == 10);
  for (auto& a : *answers)
    CHECK(a);
  REQUIRE(f.batches.size() == 1);
  CHECK(f.batches[0].size() == 10);
}

TEST_CASE("a batch never exceeds its maximum") {
  writer_fixture f{4};
  auto answers = f.write_many(10);
  CHECK(answers->size() == 10);
  REQUIRE(f.batches.size() == 3);
  CHECK(f.batches[0].size() == 4);
  CHECK(f.batches[1].size() == 4);
  CHECK(f.batches[2].size() == 2);
}

TEST_CASE("every commit is reported with its size and result") {
  writer_fixture f{4};
  f.write_many(6);
  f.fail = true;
  f.write_many(1);
  using commit = std::pair<size_t, bool>;
  CHECK(f.commits == std::vector<commit>{commit{4, true}, commit{2, true},
                                         commit{1, false}});
}

TEST_CASE("a failed commit answers every waiting writer with the error") {
  writer_fixture f;
  f.fail = true;
  auto answers = f.write_many(5);
  REQUIRE(answers->size() == 5);
  for (auto& a : *answers) {
    REQUIRE_FALSE(a);
    CHECK(a.error().code == errc::storage_unavailable);
  }
}

TEST_CASE("with a maximum wait, writes sent within it share one commit and "
          "are answered only when it ends") {
  using namespace std::chrono_literals;
  writer_fixture f{1024, 2000us};
  auto first = f.write_many(3);
  // The mailbox is empty, but the batch waits for more.
  CHECK(first->empty());
  CHECK(f.batches.empty());
  f.sched->advance_time(1ms);
  f.sched->run();
  CHECK(f.batches.empty());
  auto second = f.write_many(2, 3);
  CHECK(f.batches.empty());
  f.sched->advance_time(1ms);
  f.sched->run();
  REQUIRE(f.batches.size() == 1);
  CHECK(f.batches[0] == std::vector<std::string>{"w0", "w1", "w2", "w3", "w4"});
  CHECK(first->size() == 3);
  CHECK(second->size() == 2);
  // The next write starts a new window of its own.
  auto third = f.write_many(1, 5);
  CHECK(third->empty());
  f.sched->advance_time(2ms);
  f.sched->run();
  REQUIRE(f.batches.size() == 2);
  CHECK(f.batches[1] == std::vector<std::string>{"w5"});
}

TEST_CASE("a batch that fills up commits at once, and its window does not "
          "cut the next batch short") {
  using namespace std::chrono_literals;
  writer_fixture f{4, 2000us};
  auto first = f.write_many(2); // opens a window until 2 ms
  f.sched->advance_time(1ms);
  f.sched->run();
  auto second = f.write_many(3, 2); // fills the batch; w4 waits until 3 ms
  REQUIRE(f.batches.size() == 1);
  CHECK(f.batches[0] == std::vector<std::string>{"w0", "w1", "w2", "w3"});
  CHECK(first->size() == 2);
  CHECK(second->size() == 2);
  f.sched->advance_time(1ms);
  f.sched->run();
  CHECK(f.batches.size() == 1);
  f.sched->advance_time(1ms);
  f.sched->run();
  REQUIRE(f.batches.size() == 2);
  CHECK(f.batches[1] == std::vector<std::string>{"w4"});
  CHECK(second->size() == 3);
}

TEST_CASE("a writer told to exit commits the batch it holds") {
  using namespace std::chrono_literals;
  writer_fixture f{1024, 500000us};
  f.write_many(2);
  CHECK(f.batches.empty());
  caf::anon_send_exit(f.writer, caf::exit_reason::user_shutdown);
  f.sched->run();
  REQUIRE(f.batches.size() == 1);
  CHECK(f.batches[0].size() == 2);
}

TEST_CASE("after a failed commit the writer probes until the storage takes "
          "writes again, with growing pauses") {
  using namespace std::chrono_literals;
  caf::actor_system_config cfg;
  cfg.set("scheduler.policy", caf::atom("testing"));
  cfg.set("logger.verbosity", caf::atom("quiet"));
  add_message_types(cfg);
  caf::actor_system sys{cfg};
  auto& sched =
      dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  int probes = 0;
  int failing_probes = 2;
  std::vector<bool> seen;
  writer_options opts;
  opts.probe = [&]() -> write_outcome {
    ++probes;
    if (failing_probes-- > 0)
      return problem{errc::storage_unavailable, "disk full", {}};
    return done{};
  };
  opts.on_probe = [&](bool ok) { seen.push_back(ok); };
  auto writer = spawn_storage_writer(
      sys,
      [](const std::vector<intent_record>&) -> write_outcome {
        return problem{errc::storage_unavailable, "disk full", {}};
      },
      opts, false);
  intent_record rec;
  rec.request.id = "p1";
  caf::anon_send(writer, write_atom::value, rec);
  sched.run();
  CHECK(probes == 0);
  sched.advance_time(100ms);
  sched.run();
  CHECK(probes == 1);
  sched.advance_time(100ms); // the next pause is 200 ms
  sched.run();
  CHECK(probes == 1);
  sched.advance_time(100ms);
  sched.run();
  CHECK(probes == 2);
  sched.advance_time(400ms);
  sched.run();
  CHECK(probes == 3);
  CHECK(seen == std::vector<bool>{false, false, true});
  // Writable again: no more probes until a commit fails again.
  sched.advance_time(10s);
  sched.run();
  CHECK(probes == 3);
  caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
  sched.run();
}
