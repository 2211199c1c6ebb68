// A read by id forwarded to the owner's endpoint, on CAF's test
// coordinator: the answer is the owner's own rendering (the bytes its API
// shows, naming it) and the intent's account, whether the owner's engine
// answers at once (from its cache) or later, and whether the endpoint's
// front answers it from the cache or hands it to the endpoint.

#include <doctest/doctest.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include <caf/actor_companion.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>

#include "runtime/cluster/endpoint.hpp"
#include "runtime/model/record_json.hpp"
#include "runtime/model/time.hpp"
#include "tests/cluster/idle_engine.hpp"

using namespace intentd;

namespace {

/// An owner whose reads by id answer from a rendering it keeps: at once,
/// or when the test says (`deferred`).
class owner_engine final : public test::idle_engine {
public:
  bool deferred = false;
  /// Whether the record is in memory (cached_rendered answers it).
  bool cached = false;
  std::deque<std::function<void()>> later;
  int renderings = 0;
  int cache_reads = 0;

  owner_engine() {
    rec_.request.id = "i-1";
    rec_.request.user_account = "alice.near";
    rec_.seq = 3;
    rec_.status = intent_status::executing;
    rec_.node = "n2";
    json_ = std::make_shared<const std::string>(render_record(rec_, tokens_));
  }

  const intent_record& record() const { return rec_; }

  /// The record as the chain reports an id this owner holds no record of
  /// (cache.chain_fallback: seq 0, no history of its own).
  void only_on_chain() {
    rec_.seq = 0;
    rec_.status = intent_status::completed;
    rec_.status_message = "This node holds no record of the intent.";
    json_ = std::make_shared<const std::string>(render_record(rec_, tokens_));
  }

  /// The record as it is now: its status, whether it is a dead letter,
  /// when it last changed; with the owner's retention.
  void change(intent_status status, bool dead_letter, time_us updated_at,
              uint32_t retention_s) {
    rec_.status = status;
    rec_.dead_letter = dead_letter;
    rec_.updated_at = updated_at;
    config_.storage.retention_s = retention_s;
    json_ = std::make_shared<const std::string>(render_record(rec_, tokens_));
  }
  const std::string& json() const { return *json_; }

  void get(const std::string&, reply<intent_record> done) override {
    done(refused()); // a forwarded read by id never asks for the record
  }
  void get_rendered(const std::string& id,
                    reply<rendered_record> done) override {
    auto answer = [this, id, done] {
      if (id != rec_.request.id)
        return done(problem{errc::not_found, "No intent with id " + id, {}});
      ++renderings;
      done(rendered_record{std::make_shared<const intent_record>(rec_), json_,
                           rec_.request.user_account});
    };
    if (deferred)
      later.emplace_back(answer);
    else
      answer();
  }

  std::optional<rendered_record>
  cached_rendered(const std::string& id) override {
    ++cache_reads;
    if (!cached || id != rec_.request.id)
      return std::nullopt;
    return rendered_record{std::make_shared<const intent_record>(rec_), json_,
                           rec_.request.user_account};
  }

private:
  intent_record rec_;
  std::shared_ptr<const std::string> json_;
};

/// Another node's receiver of read answers, as cluster_engine's: every
/// message sent to it, kept as it arrives.
class inbox_actor final : public caf::actor_companion {
public:
  using caf::actor_companion::actor_companion;

  void close() {
    on_enqueue({});
    cleanup(caf::exit_reason::user_shutdown, nullptr);
  }
};

struct fixture {
  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  owner_engine engine;
  cluster_endpoint_actor endpoint;
  std::unique_ptr<endpoint_front> front;

  fixture() {
    sys_cfg.set("scheduler.policy", caf::atom("testing"));
    sys_cfg.set("logger.verbosity", caf::atom("quiet"));
    add_cluster_message_types(sys_cfg);
    sys = std::make_unique<caf::actor_system>(sys_cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
    endpoint = spawn_endpoint(*sys, engine, membership_actor{}, {});
    front = std::make_unique<endpoint_front>(*sys, engine, endpoint);
    sched->run();
  }

  ~fixture() {
    if (inbox)
      static_cast<inbox_actor*>(caf::actor_cast<caf::abstract_actor*>(inbox))
          ->close();
    front->close();
    caf::anon_send_exit(endpoint, caf::exit_reason::user_shutdown);
    sched->run();
    sched->clock().cancel_all();
  }

  /// Asks for `id` as another node does; the answer lands in the slot.
  std::shared_ptr<std::optional<rendered_outcome>> read(const std::string& id) {
    return read_at(endpoint, id);
  }

  /// `read`, through the front as other nodes call it.
  std::shared_ptr<std::optional<rendered_outcome>>
  read_front(const std::string& id) {
    return read_at(front->handle(), id);
  }

  /// The answers to a read of `id` both ways the owner answers: the
  /// endpoint, then the front from the cache; each the engine's rendering.
  std::vector<rendered_reply> read_both_ways(const std::string& id) {
    std::vector<rendered_reply> out;
    for (bool cached : {false, true}) {
      engine.cached = cached;
      auto r = cached ? read_front(id) : read(id);
      REQUIRE(r->has_value());
      REQUIRE(**r);
      CHECK((**r)->json == engine.json());
      out.push_back(***r);
    }
    return out;
  }

  caf::actor inbox;
  std::vector<caf::mailbox_element_ptr> got;

  /// Sends `(get, rendered, batch)` to the front as another node's reader
  /// does, without a request id; what comes back lands in `got`.
  void read_batch_front(read_batch batch) {
    read_batch_at(front->handle(), std::move(batch));
  }

  /// `read_batch_front` through `to`, a front's handle.
  void read_batch_at(cluster_endpoint_actor to, read_batch batch) {
    if (!inbox) {
      inbox = sys->spawn<inbox_actor, caf::hidden>();
      static_cast<inbox_actor*>(caf::actor_cast<caf::abstract_actor*>(inbox))
          ->on_enqueue([this](caf::mailbox_element_ptr ptr) {
            got.push_back(std::move(ptr));
          });
    }
    caf::actor_cast<caf::strong_actor_ptr>(to)->enqueue(
        caf::actor_cast<caf::strong_actor_ptr>(inbox), caf::make_message_id(),
        caf::make_message(get_atom::value, rendered_atom::value,
                          std::move(batch)),
        nullptr);
    sched->run();
  }

  /// The batch answers in `got`, in order.
  std::vector<read_batch_reply> batch_replies() const {
    std::vector<read_batch_reply> out;
    for (const auto& ptr : got)
      if (!ptr->mid.is_response() &&
          ptr->content().match_elements<rendered_atom, read_batch_reply>())
        out.push_back(ptr->content().get_as<read_batch_reply>(1));
    return out;
  }

  /// The single answers in `got`: each response's token and outcome.
  std::vector<std::pair<uint64_t, rendered_outcome>> single_replies() const {
    std::vector<std::pair<uint64_t, rendered_outcome>> out;
    for (const auto& ptr : got)
      if (ptr->mid.is_response() &&
          ptr->content().match_elements<rendered_outcome>())
        out.emplace_back(ptr->mid.request_id().integer_value(),
                         ptr->content().get_as<rendered_outcome>(0));
    return out;
  }

  /// The errors in `got` answered as responses: each one's token and error.
  std::vector<std::pair<uint64_t, caf::error>> error_replies() const {
    std::vector<std::pair<uint64_t, caf::error>> out;
    for (const auto& ptr : got)
      if (ptr->mid.is_response() && ptr->content().match_elements<caf::error>())
        out.emplace_back(ptr->mid.request_id().integer_value(),
                         ptr->content().get_as<caf::error>(0));
    return out;
  }

  std::shared_ptr<std::optional<rendered_outcome>>
  read_at(cluster_endpoint_actor ep, const std::string& id) {
    auto slot = std::make_shared<std::optional<rendered_outcome>>();
    sys->spawn([=](caf::event_based_actor* self) {
      self->request(ep, caf::infinite, get_atom::value, rendered_atom::value,
                    id)
          .then([=](rendered_outcome& r) { *slot = std::move(r); });
    });
    sched->run();
    return slot;
  }
};

} // namespace

TEST_CASE("a forwarded read answers the owner's rendering and the account") {
  fixture f;
  auto r = f.read("i-1");
  REQUIRE(r->has_value());
  REQUIRE(**r);
  CHECK((**r)->json == f.engine.json());
  CHECK((**r)->json.find("\"node\":\"n2\"") != std::string::npos);
  CHECK((**r)->user_account == "alice.near");
  CHECK(f.engine.renderings == 1);
}

TEST_CASE("a forwarded read waits for an owner that answers later") {
  fixture f;
  f.engine.deferred = true;
  auto r = f.read("i-1");
  CHECK_FALSE(r->has_value());
  REQUIRE(f.engine.later.size() == 1);
  f.engine.later.front()();
  f.engine.later.pop_front();
  f.sched->run();
  REQUIRE(r->has_value());
  REQUIRE(**r);
  CHECK((**r)->json == f.engine.json());
  CHECK((**r)->user_account == "alice.near");
}

TEST_CASE("a forwarded read of an unknown id answers the owner's problem") {
  fixture f;
  auto r = f.read("i-404");
  REQUIRE(r->has_value());
  REQUIRE_FALSE(**r);
  CHECK((**r).error().code == errc::not_found);
  f.engine.deferred = true;
  auto later = f.read("i-404");
  f.engine.later.front()();
  f.sched->run();
  REQUIRE(later->has_value());
  REQUIRE_FALSE(**later);
  CHECK((**later).error().code == errc::not_found);
}

TEST_CASE("the front answers a cached read itself, the owner's bytes") {
  fixture f;
  f.engine.cached = true;
  f.engine.deferred = true; // the endpoint's way would wait: not taken
  auto r = f.read_front("i-1");
  REQUIRE(r->has_value());
  REQUIRE(**r);
  CHECK((**r)->json == f.engine.json());
  CHECK((**r)->json.find("\"node\":\"n2\"") != std::string::npos);
  CHECK((**r)->user_account == "alice.near");
  CHECK(f.engine.cache_reads == 1);
  CHECK(f.engine.renderings == 0);
  CHECK(f.engine.later.empty());
}

TEST_CASE("the front hands a read the cache cannot answer to the endpoint") {
  fixture f;
  auto r = f.read_front("i-1");
  REQUIRE(r->has_value());
  REQUIRE(**r);
  CHECK((**r)->json == f.engine.json());
  CHECK(f.engine.cache_reads == 1);
  CHECK(f.engine.renderings == 1);

  f.engine.deferred = true;
  auto later = f.read_front("i-1");
  CHECK_FALSE(later->has_value());
  REQUIRE(f.engine.later.size() == 1);
  f.engine.later.front()();
  f.sched->run();
  REQUIRE(later->has_value());
  REQUIRE(**later);
  CHECK((**later)->json == f.engine.json());

  f.engine.cached = true;
  f.engine.deferred = false;
  auto unknown = f.read_front("i-404");
  REQUIRE(unknown->has_value());
  REQUIRE_FALSE(**unknown);
  CHECK((**unknown).error().code == errc::not_found);
}

TEST_CASE("the front hands every other call to the endpoint") {
  fixture f;
  auto pong = std::make_shared<std::optional<cluster_pong>>();
  f.sys->spawn([=, ep = f.front->handle()](caf::event_based_actor* self) {
    self->request(ep, caf::infinite, ping_atom::value, std::string{"n1"})
        .then([=](cluster_pong& p) { *pong = std::move(p); });
  });
  f.sched->run();
  REQUIRE(pong->has_value());
  CHECK(f.engine.cache_reads == 0);
}

TEST_CASE("a closed front answers nothing and reads nothing") {
  fixture f;
  f.engine.cached = true;
  f.front->close();
  auto r = f.read_front("i-1");
  CHECK_FALSE(r->has_value());
  CHECK(f.engine.cache_reads == 0);
  CHECK(f.engine.renderings == 0);
}

TEST_CASE("the owner says how long an ended record reads the same") {
  fixture f;
  // How long both ways of answering say the answer holds.
  auto stable = [&f] {
    std::vector<int64_t> out;
    for (const auto& r : f.read_both_ways("i-1"))
      out.push_back(r.stable_for_us);
    return out;
  };
  const auto now = wall_clock_now();
  // Live: not at all.
  CHECK(stable() == std::vector<int64_t>{0, 0});
  // Ended: until retention may purge it, counted from its last change.
  f.engine.change(intent_status::completed, false, now - 10'000'000, 3600);
  for (auto s : stable()) {
    CHECK(s > 3'580'000'000);
    CHECK(s <= 3'590'000'000);
  }
  f.engine.change(intent_status::cancelled, false, now - 10'000'000, 0);
  CHECK(stable() == std::vector<int64_t>{INT64_MAX, INT64_MAX});
  // Past its retention, or a dead letter: not at all.
  f.engine.change(intent_status::expired, false, now - 3'601'000'000, 3600);
  CHECK(stable() == std::vector<int64_t>{0, 0});
  f.engine.change(intent_status::failed, true, now, 0);
  CHECK(stable() == std::vector<int64_t>{0, 0});
}

TEST_CASE("the owner says whether a read is the chain's word or its record") {
  fixture f;
  auto from_chain = [&f] {
    std::vector<bool> out;
    for (const auto& r : f.read_both_ways("i-1"))
      out.push_back(r.from_chain);
    return out;
  };
  CHECK(from_chain() == std::vector<bool>{false, false});
  f.engine.change(intent_status::completed, false, wall_clock_now(), 0);
  CHECK(from_chain() == std::vector<bool>{false, false});
  f.engine.only_on_chain();
  CHECK(from_chain() == std::vector<bool>{true, true});
  // Never kept by the asking node's near cache as an ended record.
  f.engine.cached = false;
  auto r = f.read("i-1");
  REQUIRE(r->has_value());
  REQUIRE(**r);
  CHECK((**r)->stable_for_us == 0);
}

TEST_CASE("the front answers a batch of cached reads in one message") {
  fixture f;
  f.engine.cached = true;
  f.engine.deferred = true; // the endpoint's way would wait: not taken
  f.read_batch_front(read_batch{{11, 12}, {"i-1", "i-1"}});
  REQUIRE(f.got.size() == 1);
  auto batches = f.batch_replies();
  REQUIRE(batches.size() == 1);
  CHECK(batches[0].tokens == std::vector<uint64_t>{11, 12});
  REQUIRE(batches[0].answers.size() == 2);
  for (const auto& r : batches[0].answers) {
    REQUIRE(r);
    CHECK(r->json == f.engine.json());
    CHECK(r->json.find("\"node\":\"n2\"") != std::string::npos);
    CHECK(r->user_account == "alice.near");
    CHECK(r->stable_for_us == 0);
    CHECK_FALSE(r->from_chain);
  }
  CHECK(f.engine.cache_reads == 2);
  CHECK(f.engine.renderings == 0);
  CHECK(f.engine.later.empty());
}

TEST_CASE("reads of a batch the cache cannot answer are answered one by one") {
  fixture f;
  f.engine.cached = true;
  f.read_batch_front(read_batch{{21, 22, 23}, {"i-1", "i-404", "i-1"}});
  // The cached ones together, the unknown id as the endpoint answers it,
  // as the response to its own token.
  auto batches = f.batch_replies();
  REQUIRE(batches.size() == 1);
  CHECK(batches[0].tokens == std::vector<uint64_t>{21, 23});
  auto singles = f.single_replies();
  REQUIRE(singles.size() == 1);
  CHECK(singles[0].first == 22);
  REQUIRE_FALSE(singles[0].second);
  CHECK(singles[0].second.error().code == errc::not_found);
  CHECK(f.got.size() == 2);

  // Not in memory: the endpoint answers when the engine does.
  f.got.clear();
  f.engine.cached = false;
  f.engine.deferred = true;
  f.read_batch_front(read_batch{{31}, {"i-1"}});
  CHECK(f.got.empty());
  REQUIRE(f.engine.later.size() == 1);
  f.engine.later.front()();
  f.engine.later.pop_front();
  f.sched->run();
  CHECK(f.batch_replies().empty());
  singles = f.single_replies();
  REQUIRE(singles.size() == 1);
  CHECK(singles[0].first == 31);
  REQUIRE(singles[0].second);
  CHECK(singles[0].second->json == f.engine.json());
  CHECK(singles[0].second->user_account == "alice.near");
}

TEST_CASE("tokens of a batch beyond its ids are answered at once as "
          "malformed") {
  using pair = std::pair<uint64_t, caf::error>;
  const auto malformed = caf::make_error(caf::sec::unexpected_message);
  fixture f;
  f.engine.cached = true;
  f.read_batch_front(read_batch{{51, 52, 53}, {"i-1"}});
  auto batches = f.batch_replies();
  REQUIRE(batches.size() == 1);
  CHECK(batches[0].tokens == std::vector<uint64_t>{51});
  CHECK(f.error_replies() ==
        std::vector<pair>{{52, malformed}, {53, malformed}});
  CHECK(f.engine.cache_reads == 1);
  CHECK(f.got.size() == 3);

  // Not at the reads' pace: the read the endpoint waits for does not hold
  // back the answer to the token without an id.
  f.got.clear();
  f.engine.cached = false;
  f.engine.deferred = true;
  f.read_batch_front(read_batch{{61, 62}, {"i-1"}});
  CHECK(f.error_replies() == std::vector<pair>{{62, malformed}});
  CHECK(f.single_replies().empty());
  REQUIRE(f.engine.later.size() == 1);
  f.engine.later.front()();
  f.engine.later.pop_front();
  f.sched->run();
  auto singles = f.single_replies();
  REQUIRE(singles.size() == 1);
  CHECK(singles[0].first == 61);
  CHECK(singles[0].second);

  // Ids beyond the tokens have nobody to answer: nothing is read for them.
  f.got.clear();
  f.engine.cached = true;
  f.engine.cache_reads = 0;
  f.read_batch_front(read_batch{{71}, {"i-1", "i-1"}});
  CHECK(f.engine.cache_reads == 1);
  REQUIRE(f.batch_replies().size() == 1);
  CHECK(f.batch_replies()[0].tokens == std::vector<uint64_t>{71});
  CHECK(f.error_replies().empty());
}

TEST_CASE("a closed front answers no batch") {
  fixture f;
  f.engine.cached = true;
  auto handle = f.front->handle(); // as other nodes hold it
  f.front->close();
  f.read_batch_at(handle, read_batch{{41}, {"i-1"}});
  CHECK(f.got.empty());
  CHECK(f.engine.cache_reads == 0);
}
