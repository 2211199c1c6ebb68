#include <doctest/doctest.h>

#include "tests/persistence/store_fixture.hpp"

using namespace intentd;
using intentd::test::fast_options;
using intentd::test::make_record;
using intentd::test::missing;
using intentd::test::temp_dir;
using intentd::test::value_of;

TEST_CASE("nonces of signed intents are indexed per account and survive") {
  temp_dir dir;
  auto rec = make_record("n-1", "alice.near", intent_status::pending, 1000);
  rec.request.nonce = 42;
  auto unsigned_rec =
      make_record("n-2", "alice.near", intent_status::pending, 2000);
  unsigned_rec.request.nonce = 43;
  unsigned_rec.request.signature.clear();
  {
    auto store = intent_store::open(fast_options(dir));
    REQUIRE(store);
    CHECK_FALSE(value_of(store->nonce_owner("alice.near", 42)));
    REQUIRE(store->put({rec, unsigned_rec}));
    CHECK(value_of(store->nonce_owner("alice.near", 42)) ==
          std::optional<std::string>{"n-1"});
    CHECK_FALSE(value_of(store->nonce_owner("bob.near", 42)));
    CHECK_FALSE(value_of(store->nonce_owner("alice.near", 43))); // not signed
    // A purged intent keeps its nonce used.
    rec.status = intent_status::failed;
    rec.dead_letter = true;
    REQUIRE(store->put({rec}));
    auto purged = store->purge_dead_letter("n-1");
    REQUIRE(purged);
    CHECK(*purged);
    CHECK(missing(store->get("n-1")));
  }
  auto reopened = intent_store::open(fast_options(dir));
  REQUIRE(reopened);
  CHECK(value_of(reopened->nonce_owner("alice.near", 42)) ==
        std::optional<std::string>{"n-1"});
}
