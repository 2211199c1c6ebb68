#include <doctest/doctest.h>

#include "tests/actors/fixture.hpp"

using namespace intentd;
using namespace intentd::test;
using namespace std::chrono_literals;
using S = intent_status;

namespace {

/// What the directory answered to recover_atom: a count or an error's text.
struct recovery {
  std::optional<uint64_t> count;
  std::optional<std::string> error;
};

recovery recover(engine_fixture& f) {
  auto out = std::make_shared<recovery>();
  f.sys->spawn([=, dir = f.directory](caf::event_based_actor* self) {
    self->request(dir, caf::infinite, recover_atom::value)
        .then([=](uint64_t n) { out->count = n; },
              [=](caf::error& err) {
                out->error = caf::to_string(err);
                if (err.context().match_elements<std::string>())
                  out->error = err.context().get_as<std::string>(0);
              });
  });
  f.run();
  return *out;
}

void put(engine_fixture& f, const std::string& id, S status, time_us at) {
  auto rec = make_pending_record(f.make_intent(id), "d", at);
  if (status != S::pending) {
    rec.status = status;
    rec.history.push_back(history_entry{status, at});
  }
  REQUIRE(f.store->put({rec}));
}

} // namespace

TEST_CASE("recovery pages through the record reader") {
  engine_fixture f;
  auto t = f.now();
  put(f, "p1", S::pending, ++t);
  put(f, "p2", S::pending, ++t);
  put(f, "v1", S::verified, ++t);
  put(f, "e1", S::executing, ++t);
  put(f, "e2", S::executing, ++t);
  put(f, "done", S::completed, ++t);
  put(f, "gone", S::cancelled, ++t);
  for (auto id : {"v1", "e1", "e2"})
    f.chain_impl->states[id] = chain_intent_state::reserved;
  auto reads = f.reads;
  auto r = recover(f);
  REQUIRE(r.count);
  CHECK(*r.count == 5);
  // Five live records, two a page: three pages, the last one says so.
  CHECK(f.pages == 3);
  CHECK(f.reads == reads);
  CHECK(f.live() == 5);
  f.advance(500ms);
  for (auto id : {"p1", "p2", "v1", "e1", "e2"}) {
    CAPTURE(id);
    CHECK(f.stored(id).status == S::completed);
    CHECK(f.chain_impl->executions[id] == 1);
  }
  CHECK(f.live() == 0);
}

TEST_CASE("a page that cannot be read fails recovery, never ends it") {
  engine_fixture f;
  auto t = f.now();
  for (auto id : {"a", "b", "c", "d", "e"})
    put(f, id, S::pending, ++t);
  f.failing_pages = {2};
  auto r = recover(f);
  CHECK_FALSE(r.count);
  REQUIRE(r.error);
  CHECK(*r.error == "injected page failure 2");
  // No page is asked for after the failed one.
  CHECK(f.pages == 2);
  // The first page's intents were reactivated before it.
  CHECK(f.live() == 2);
  // The directory may recover again, and then reads every page.
  f.failing_pages.clear();
  f.pages = 0;
  r = recover(f);
  REQUIRE(r.count);
  CHECK(*r.count == 3);
  CHECK(f.pages == 3);
  CHECK(f.live() == 5);
}

TEST_CASE("an intent met again on a later page is not reactivated while "
          "its actor lives") {
  engine_fixture f;
  auto t = f.now();
  for (auto id : {"a", "b", "c"})
    put(f, id, S::pending, ++t);
  // After the first page, the actor of a moves it to a status read later.
  f.on_page = [&](int page, live_page&) {
    if (page != 1)
      return;
    auto rec = f.stored("a");
    rec.status = S::executing;
    rec.history.push_back(history_entry{S::executing, f.now()});
    rec.seq += 1;
    REQUIRE(f.store->put({rec}));
  };
  auto r = recover(f);
  REQUIRE(r.count);
  CHECK(*r.count == 3);
  CHECK(f.pages == 2);
  CHECK(f.live() == 3);
  f.advance(500ms);
  CHECK(f.chain_impl->executions["a"] == 1);
  CHECK(f.stored("a").status == S::completed);
}

TEST_CASE("an intent met again on a later page is not reactivated after its "
          "actor ended") {
  engine_fixture f;
  auto t = f.now();
  for (auto id : {"a", "b", "c"})
    put(f, id, S::pending, ++t);
  f.on_page = [&](int page, live_page& read) {
    if (page != 1)
      return;
    // The actor of a ends as soon as it starts, before the next page is
    // answered, while the store still holds a live record of a that the
    // next page reads.
    read.records.front().status = S::completed;
    auto rec = f.stored("a");
    rec.status = S::executing;
    rec.seq += 1;
    REQUIRE(f.store->put({rec}));
  };
  auto r = recover(f);
  REQUIRE(r.count);
  CHECK(*r.count == 3);
  CHECK(f.pages == 2);
  CHECK(f.live() == 2);
  f.advance(500ms);
  CHECK(f.chain_impl->executions["a"] == 0);
  CHECK(f.live() == 0);
}
