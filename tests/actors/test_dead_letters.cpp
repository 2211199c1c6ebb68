#include <doctest/doctest.h>

#include "tests/actors/fixture.hpp"

using namespace intentd;
using namespace intentd::test;
using namespace std::chrono_literals;
using S = intent_status;

namespace {

record_outcome dead_letter_op(engine_fixture& f, bool purge,
                              const std::string& id) {
  auto r = purge ? f.ask<record_outcome>(f.directory, purge_atom::value, id)
                 : f.ask<record_outcome>(f.directory, retry_atom::value, id);
  REQUIRE(r);
  return std::move(*r);
}

/// An intent that failed into the dead letters.
void make_dead_letter(engine_fixture& f, const std::string& id) {
  f.chain_impl->execute_faults = {chain_fault::reverted};
  REQUIRE(f.submit(f.make_intent(id)));
  f.advance(200ms);
  REQUIRE(f.stored(id).dead_letter);
}

} // namespace

TEST_CASE("retry and purge of an unknown id are not_found, read off the "
          "scheduler") {
  engine_fixture f;
  for (bool purge : {false, true}) {
    auto reads = f.reads;
    auto r = dead_letter_op(f, purge, "nothing");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::not_found);
    CHECK(r.error().message == "No intent with id nothing.");
    CHECK(f.reads == reads + 1); // through the record reader
  }
}

TEST_CASE("retry and purge of a live intent are refused; it goes on") {
  engine_fixture f;
  REQUIRE(f.submit(f.make_intent("busy")));
  REQUIRE(f.live() == 1);
  for (bool purge : {false, true}) {
    auto r = dead_letter_op(f, purge, "busy");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::conflict);
  }
  f.advance(200ms);
  CHECK(f.stored("busy").status == S::completed);
  // Completed is no dead letter either.
  auto r = dead_letter_op(f, true, "busy");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::conflict);
  CHECK(f.store->get("busy"));
}

TEST_CASE("a purged dead letter is gone; a second purge finds nothing") {
  engine_fixture f;
  make_dead_letter(f, "dl");
  auto r = dead_letter_op(f, true, "dl");
  REQUIRE(r);
  CHECK(r->request.id == "dl");
  CHECK(r->status == S::failed);
  CHECK(missing(f.store->get("dl")));
  auto again = dead_letter_op(f, true, "dl");
  REQUIRE_FALSE(again);
  CHECK(again.error().code == errc::not_found);
}

TEST_CASE("a retry racing another retry of one dead letter starts it once") {
  engine_fixture f;
  make_dead_letter(f, "dl");
  auto first = std::make_shared<std::optional<record_outcome>>();
  auto second = std::make_shared<std::optional<record_outcome>>();
  for (const auto& out : {first, second})
    f.sys->spawn([=, dir = f.directory](caf::event_based_actor* self) {
      self->request(dir, caf::infinite, retry_atom::value, std::string{"dl"})
          .then([=](record_outcome& r) { *out = std::move(r); });
    });
  f.run();
  REQUIRE(*first);
  REQUIRE(*second);
  REQUIRE(**first);
  CHECK((**first)->status == S::pending);
  REQUIRE_FALSE(**second);
  CHECK((**second).error().code == errc::conflict);
  f.advance(200ms);
  CHECK(f.stored("dl").status == S::completed);
}

TEST_CASE("a failed read answers the retry with its problem") {
  engine_fixture f;
  make_dead_letter(f, "dl");
  f.read_failure = errc::storage_unavailable;
  auto r = dead_letter_op(f, false, "dl");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::storage_unavailable);
  // Nothing is left held: once storage reads again the retry goes through.
  f.read_failure.reset();
  auto retried = dead_letter_op(f, false, "dl");
  REQUIRE(retried);
  CHECK(retried->status == S::pending);
}

TEST_CASE("a retry or purge that finds the dead letter's actor still exiting "
          "waits for its exit") {
  for (bool purge : {false, true}) {
    engine_fixture f;
    f.chain_impl->execute_faults = {chain_fault::reverted};
    REQUIRE(f.submit(f.make_intent("dl")));
    // Run until the failed record is stored, before its actor exits.
    auto ended = [&] {
      auto s = f.store->find("dl");
      return s && *s && (*s)->dead_letter;
    };
    for (int ms = 0; ms < 200 && !ended(); ++ms) {
      f.sched->advance_time(std::chrono::milliseconds{1});
      while (!ended() && f.sched->try_run_once()) {
      }
    }
    REQUIRE(ended());
    auto out = std::make_shared<std::optional<record_outcome>>();
    f.sys->spawn([=, dir = f.directory](caf::event_based_actor* self) {
      auto h = purge ? self->request(dir, caf::infinite, purge_atom::value,
                                     std::string{"dl"})
                     : self->request(dir, caf::infinite, retry_atom::value,
                                     std::string{"dl"});
      h.then([=](record_outcome& r) { *out = std::move(r); });
    });
    // The request, the directory and the reader run first; the actor's
    // exit comes after.
    while (!*out && f.sched->try_run_once_lifo()) {
    }
    f.run();
    REQUIRE(*out);
    REQUIRE_MESSAGE(**out, (**out ? "" : (**out).error().message));
    if (purge) {
      CHECK(missing(f.store->get("dl")));
    } else {
      CHECK((**out)->status == S::pending);
      f.advance(200ms);
      CHECK(is_terminal(f.stored("dl").status));
    }
  }
}
