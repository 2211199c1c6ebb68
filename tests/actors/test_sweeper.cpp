#include <doctest/doctest.h>

#include "actors/sweeper.hpp"
#include "fixture.hpp"

using namespace intentd;
using namespace intentd::test;
using namespace std::chrono_literals;

TEST_CASE("the sweeper removes old terminal intents in small batches") {
  engine_fixture f;
  constexpr time_us day = 24ll * 3600 * 1'000'000;
  std::vector<intent_record> recs;
  for (int i = 0; i < 25; ++i) {
    auto rec = make_pending_record(f.make_intent("old-" + std::to_string(i)),
                                   "d", f.now() - 10 * day);
    rec.status = intent_status::completed;
    rec.updated_at = f.now() - 9 * day;
    recs.push_back(rec);
  }
  auto fresh = make_pending_record(f.make_intent("fresh"), "d", f.now());
  fresh.status = intent_status::completed;
  fresh.updated_at = f.now() - day;
  recs.push_back(fresh);
  auto dead = recs[0];
  dead.request.id = "dead";
  dead.status = intent_status::failed;
  dead.dead_letter = true;
  recs.push_back(dead);
  auto live =
      make_pending_record(f.make_intent("live"), "d", f.now() - 9 * day);
  recs.push_back(live);
  REQUIRE(f.store->put(recs));

  auto commits_before = f.commits;
  std::vector<size_t> batches;
  sweeper_options opts;
  opts.retention = std::chrono::hours{24 * 7};
  opts.batch = 10;
  opts.interval = 60s;
  auto sweeper = spawn_sweeper(
      *f.sys, f.writer,
      [&](time_us cutoff, size_t batch) {
        auto r = f.store->purge_terminal_before(cutoff, batch);
        if (r)
          batches.push_back(*r);
        return r;
      },
      [&] { return f.now(); }, opts);
  f.run();
  // Three jobs of at most 10, each its own turn on the writer.
  CHECK(batches == std::vector<size_t>{10, 10, 5});
  CHECK(f.commits == commits_before);
  for (int i = 0; i < 25; ++i)
    CHECK(missing(f.store->get("old-" + std::to_string(i))));
  CHECK(f.store->get("fresh"));
  CHECK(f.store->get("dead"));
  CHECK(f.store->get("live"));
  // The next sweep comes after the interval and finds nothing.
  f.advance(60'001ms);
  CHECK(batches.size() == 4);
  CHECK(batches.back() == 0);
  caf::anon_send_exit(sweeper, caf::exit_reason::user_shutdown);
  f.run();
}
