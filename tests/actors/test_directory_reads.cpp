#include <doctest/doctest.h>

#include <cerrno>

#include "tests/actors/fixture.hpp"

using namespace intentd;
using namespace intentd::test;
using S = intent_status;

namespace {

/// Sends a request to the directory from a throwaway actor without running
/// the system: requests sent this way before a `run` arrive together.
template<class T, class... Ts>
std::shared_ptr<std::optional<T>> send(engine_fixture& f, Ts... xs) {
  auto result = std::make_shared<std::optional<T>>();
  f.sys->spawn([=, dest = f.directory](caf::event_based_actor* self) {
    self->request(dest, caf::infinite, xs...).then([=](T& value) {
      *result = std::move(value);
    });
  });
  return result;
}

/// How many times `id` was written as pending, each by a fresh actor.
size_t activations(const engine_fixture& f, const std::string& id) {
  size_t n = 0;
  for (const auto& w : f.published)
    n += w.id == id && w.status == S::pending;
  return n;
}

} // namespace

TEST_CASE("a submission and a cancellation read storage through the record "
          "reader") {
  engine_fixture f;
  auto reads = f.reads;
  REQUIRE(f.submit(f.make_intent("rd-1")));
  CHECK(f.reads == reads + 1);
  auto r = f.ask<record_outcome>(f.directory, cancel_atom::value,
                                 std::string{"nothing"});
  REQUIRE(r);
  REQUIRE_FALSE(*r);
  CHECK(r->error().code == errc::not_found);
  CHECK(r->error().message == "No intent with id nothing.");
  CHECK(f.reads == reads + 2);
}

TEST_CASE("a read fault answers the storage problem a direct read gives") {
  engine_fixture f;
  f.read_fault = [] { return EIO; };
  auto direct = f.store->find("rd-2");
  REQUIRE_FALSE(direct);
  auto reads = f.reads;
  auto r = f.submit(f.make_intent("rd-2"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::storage_unavailable);
  CHECK(r.error().message == direct.error().message);
  CHECK(f.reads == reads + 1);
  auto c = f.ask<record_outcome>(f.directory, cancel_atom::value,
                                 std::string{"rd-2"});
  REQUIRE(c);
  REQUIRE_FALSE(*c);
  CHECK(c->error().code == errc::storage_unavailable);
  CHECK(c->error().message == direct.error().message);
  f.read_fault = nullptr;
  CHECK(f.live() == 0);
  CHECK_FALSE(value_of(f.store->find("rd-2")));
}

TEST_CASE("a resubmission of a stored id is answered from the reader") {
  engine_fixture f;
  auto rec = make_pending_record(f.make_intent("rd-3"), "d1", f.now());
  rec.status = S::completed;
  REQUIRE(f.store->put({rec}));
  auto reads = f.reads;
  auto same = f.submit(f.make_intent("rd-3"), "d1");
  REQUIRE(same);
  CHECK_FALSE(same->created);
  CHECK(same->record.status == S::completed);
  auto other = f.submit(f.make_intent("rd-3"), "d2");
  REQUIRE_FALSE(other);
  CHECK(other.error().code == errc::conflict);
  CHECK(f.reads == reads + 2);
  CHECK(f.live() == 0);
}

TEST_CASE("without its reader the directory refuses instead of reading "
          "storage itself") {
  engine_fixture f;
  caf::anon_send_exit(f.reader, caf::exit_reason::user_shutdown);
  f.run();
  auto r = f.submit(f.make_intent("rd-4"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::timeout);
  CHECK(r.error().message.find("record reader") != std::string::npos);
  CHECK(f.live() == 0);
  CHECK_FALSE(value_of(f.store->find("rd-4")));
}

TEST_CASE("two submissions of one id while its read is under way activate "
          "one actor") {
  engine_fixture f;
  auto in = f.make_intent("twice");
  in.nonce = 11; // signed: its nonce is read too before the actor starts
  in.signature = std::string(128, 'a');
  auto first =
      send<submit_outcome>(f, submit_atom::value, in, std::string{"d1"});
  auto second =
      send<submit_outcome>(f, submit_atom::value, in, std::string{"d1"});
  auto other =
      send<submit_outcome>(f, submit_atom::value, in, std::string{"d2"});
  f.run();
  REQUIRE(*first);
  REQUIRE(*second);
  REQUIRE(*other);
  REQUIRE(**first);
  CHECK((**first)->created);
  REQUIRE(**second);
  CHECK_FALSE((**second)->created);
  CHECK((**second)->record.request.id == "twice");
  REQUIRE_FALSE(**other);
  CHECK((**other).error().code == errc::conflict);
  CHECK(activations(f, "twice") == 1);
  CHECK(f.live() == 1);
}

TEST_CASE("a cancellation that comes while a submission reads waits for it") {
  engine_fixture f;
  auto submitted = send<submit_outcome>(
      f, submit_atom::value, f.make_intent("soon"), std::string{"d1"});
  auto cancelled =
      send<record_outcome>(f, cancel_atom::value, std::string{"soon"});
  f.run();
  REQUIRE(*submitted);
  REQUIRE(**submitted);
  REQUIRE(*cancelled);
  REQUIRE(**cancelled);
  CHECK((**cancelled)->status == S::cancelled);
  CHECK(activations(f, "soon") == 1);
  CHECK(f.stored("soon").status == S::cancelled);
}

TEST_CASE("two signed submissions of one nonce while the index is read: one "
          "is taken") {
  engine_fixture f;
  auto a = f.make_intent("n-a");
  auto b = f.make_intent("n-b");
  for (auto* in : {&a, &b}) {
    in->nonce = 5;
    in->signature = std::string(128, 'a');
  }
  auto first =
      send<submit_outcome>(f, submit_atom::value, a, std::string{"d1"});
  auto second =
      send<submit_outcome>(f, submit_atom::value, b, std::string{"d1"});
  f.run();
  REQUIRE(*first);
  REQUIRE(*second);
  CHECK(**first);
  REQUIRE_FALSE(**second);
  CHECK((**second).error().code == errc::nonce_reused);
  CHECK(f.live() == 1);
}

TEST_CASE("a crashed intent's snapshot is read through the record reader") {
  engine_fixture f;
  // Commit 1 is pending; commit 2 (verified) fails and crashes the actor.
  f.failing_commits = {2};
  f.failure_code = errc::internal;
  auto reads = f.reads;
  REQUIRE(f.submit(f.make_intent("cr")));
  CHECK(f.reads == reads + 1);
  f.advance(std::chrono::milliseconds{500});
  CHECK(f.stored("cr").status == S::completed);
  CHECK(f.reads == reads + 2);
  CHECK(activations(f, "cr") == 1);
}
