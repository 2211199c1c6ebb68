#include <doctest/doctest.h>

#include <cerrno>

#include "fixture.hpp"

using namespace intentd;
using namespace intentd::test;

namespace {

intent signed_intent(engine_fixture& f, const std::string& id, uint64_t nonce,
                     const std::string& user = "alice.near") {
  auto in = f.make_intent(id);
  in.user_account = user;
  in.nonce = nonce;
  in.signature = std::string(128, 'a'); // checked before the directory
  return in;
}

} // namespace

TEST_CASE("a nonce held by an intent not yet durable is refused") {
  engine_fixture f;
  auto first = signed_intent(f, "n-1", 7);
  auto second = signed_intent(f, "n-2", 7);
  // Both reach the directory before the first pending write commits.
  auto answers = std::make_shared<std::vector<submit_outcome>>();
  auto directory = f.directory;
  f.sys->spawn([=](caf::event_based_actor* self) {
    for (const auto& in : {first, second})
      self->request(directory, caf::infinite, submit_atom::value, in,
                    std::string{"d-" + in.id})
          .then([=](submit_outcome& r) { answers->push_back(std::move(r)); });
  });
  f.run();
  REQUIRE(answers->size() == 2);
  int accepted = 0;
  int reused = 0;
  for (const auto& r : *answers) {
    if (r)
      ++accepted;
    else if (r.error().code == errc::nonce_reused)
      ++reused;
  }
  CHECK(accepted == 1);
  CHECK(reused == 1);
  CHECK(value_of(f.store->nonce_owner("alice.near", 7)));
}

TEST_CASE("nonces are per account; unsigned intents are not checked") {
  engine_fixture f;
  CHECK(f.submit(signed_intent(f, "a-1", 1)));
  CHECK(f.submit(signed_intent(f, "b-1", 1, "bob.near")));
  auto replay = f.submit(signed_intent(f, "a-2", 1));
  REQUIRE_FALSE(replay);
  CHECK(replay.error().code == errc::nonce_reused);
  // The same id and body again is idempotent, not a replay.
  auto again = f.submit(signed_intent(f, "a-1", 1), "d1");
  REQUIRE(again);
  CHECK_FALSE(again->created);
  auto plain = f.make_intent("u-1");
  auto plain2 = f.make_intent("u-2");
  CHECK(f.submit(plain));
  CHECK(f.submit(plain2));
}

TEST_CASE("a nonce whose pending write failed can be used again") {
  engine_fixture f;
  f.failing_commits = {1};
  auto failed = f.submit(signed_intent(f, "w-1", 3));
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code == errc::storage_unavailable);
  CHECK_FALSE(value_of(f.store->nonce_owner("alice.near", 3)));
  CHECK(f.submit(signed_intent(f, "w-2", 3)));
  CHECK(value_of(f.store->nonce_owner("alice.near", 3)) ==
        std::optional<std::string>{"w-2"});
}

TEST_CASE("a nonce check that cannot read the store refuses the intent") {
  // The n-th read of the store fails, for n = 1, 2, ... until the
  // submission makes fewer reads: the answer is never an acceptance
  // that skipped a failed read.
  int n = 1;
  for (; n < 20; ++n) {
    CAPTURE(n);
    engine_fixture f;
    int reads = 0;
    f.read_fault = [&] { return ++reads == n ? EIO : 0; };
    auto r = f.submit(signed_intent(f, "s-1", 9));
    const bool landed = reads >= n;
    f.read_fault = nullptr;
    if (!landed) {
      CHECK(r);
      break;
    }
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::storage_unavailable);
    CHECK(r.error().message.find("Input/output error") != std::string::npos);
    CHECK(missing(f.store->get("s-1")));
    CHECK_FALSE(value_of(f.store->nonce_owner("alice.near", 9)));
    CHECK(f.live() == 0);
  }
  // The lookup of the id and the nonce check each read more than once.
  CHECK(n > 4);
  CHECK(n < 20);
}
