// Read tokens signed with a key kept at the account's home node: the real
// engine proves them with the home's keys when its own do not, answers
// later without blocking its caller, and answers node_unavailable (never
// an acceptance, never a refusal of the token) when the home is down or
// does not answer in time.

#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>

#include "runtime/cluster/endpoint.hpp"
#include "runtime/model/read_token.hpp"
#include "runtime/model/time.hpp"
#include "tests/cluster/idle_engine.hpp"
#include "tests/cluster/keyed_engine.hpp"

using namespace intentd;
using test::alice;
using test::bob;
using test::raw_key;

namespace {

/// A read token of `account` signed with `k`, issued now.
std::string token_of(const ed25519_keys& k, const std::string& account,
                     int64_t ttl_s = 300, int64_t age_s = 0) {
  auto now = wall_clock_now() / 1'000'000 - age_s;
  return make_read_token(k, account, now, now + ttl_s);
}

/// What the engine's asynchronous prove_reader answered, if it did yet.
struct proof {
  std::optional<outcome<std::string>> answer;
  int answers = 0;
  reply<std::string> done() {
    return [this](outcome<std::string> r) {
      ++answers;
      answer = std::move(r);
    };
  }
};

std::string problem_of(const proof& p) {
  return p.answer && !*p.answer ? p.answer->error().message : std::string{};
}

} // namespace

TEST_CASE("a read token signed with a key kept at the account's home is "
          "proven by the home's keys, answered once the home answers") {
  test::keyed_engine e;
  e.held = true;
  e.answer = std::vector<std::string>{raw_key(alice)};
  auto token = token_of(alice, "alice.near");
  // The keys here alone refuse it, as a single node does.
  auto here = e.eng->prove_reader(token);
  REQUIRE_FALSE(here);
  CHECK(here.error().code == errc::unauthorized);

  proof p;
  e.eng->prove_reader(token, p.done());
  // The caller is not kept waiting for the home.
  CHECK(p.answers == 0);
  CHECK(e.asked == std::vector<std::string>{"alice.near"});
  e.release();
  REQUIRE(p.answers == 1);
  REQUIRE_MESSAGE(*p.answer, problem_of(p));
  CHECK(**p.answer == "alice.near");
}

TEST_CASE("a read token the home's keys do not prove is refused as "
          "unauthorized") {
  test::keyed_engine e;
  auto token = token_of(alice, "alice.near");
  // The account holds no key at its home.
  proof none;
  e.eng->prove_reader(token, none.done());
  REQUIRE(none.answer);
  REQUIRE_FALSE(*none.answer);
  CHECK(none.answer->error().code == errc::unauthorized);
  CHECK(none.answer->error().message.find("not registered to alice.near") !=
        std::string::npos);
  // It holds another key there.
  e.answer = std::vector<std::string>{raw_key(bob)};
  proof other;
  e.eng->prove_reader(token, other.done());
  REQUIRE(other.answer);
  REQUIRE_FALSE(*other.answer);
  CHECK(other.answer->error().code == errc::unauthorized);
  CHECK(e.asked.size() == 2);
}

TEST_CASE("a home that is down or unbound makes a read token "
          "node_unavailable, never accepted nor refused") {
  test::keyed_engine e;
  e.answer = problem{errc::node_unavailable, "Node n2 is down.", {}};
  proof down;
  e.eng->prove_reader(token_of(alice, "alice.near"), down.done());
  REQUIRE(down.answer);
  REQUIRE_FALSE(*down.answer);
  CHECK(down.answer->error().code == errc::node_unavailable);
  // Unbound (the cluster stopped): the same.
  e.lookup->bind(nullptr);
  proof unbound;
  e.eng->prove_reader(token_of(alice, "alice.near"), unbound.done());
  REQUIRE(unbound.answer);
  REQUIRE_FALSE(*unbound.answer);
  CHECK(unbound.answer->error().code == errc::node_unavailable);
}

TEST_CASE("a read token is decided here, without asking the home, when the "
          "keys here prove it or it fails for another reason") {
  test::keyed_engine e;
  e.answer = std::vector<std::string>{raw_key(alice)};
  proof held_here;
  e.eng->prove_reader(token_of(bob, "bob.near"), held_here.done());
  REQUIRE(held_here.answer);
  REQUIRE(*held_here.answer);
  CHECK(**held_here.answer == "bob.near");

  // Expired, living too long, malformed, or a signature that does not
  // verify: refused here whatever the home holds.
  auto tampered = *base64url_decode(token_of(alice, "alice.near"));
  tampered.back() = static_cast<char>(tampered.back() ^ 1);
  for (const auto& token :
       {token_of(alice, "alice.near", 300, 600),
        token_of(alice, "alice.near", 86'400), std::string{"not-a-token"},
        base64url_encode(tampered)}) {
    proof p;
    e.eng->prove_reader(token, p.done());
    REQUIRE(p.answer);
    REQUIRE_FALSE(*p.answer);
    CHECK(p.answer->error().code == errc::unauthorized);
  }
  CHECK(e.asked.empty());
}

namespace {

/// A home whose engine holds keys in memory, or, while `silent`, never
/// answers a request for them.
class home_engine final : public test::idle_engine {
public:
  std::map<std::string, std::vector<std::string>> keys;
  bool silent = false;
  std::vector<reply<std::vector<std::string>>> unanswered;
  void account_keys_of(const std::string& account,
                       reply<std::vector<std::string>> done) override {
    if (silent)
      return unanswered.push_back(std::move(done));
    done(keys[account]);
  }
};

/// The engine's lookups sent to a home's endpoint under the test
/// coordinator, each waiting `timeout` for the answer; no answer in time
/// is node_unavailable, as for every request a node forwards.
struct home_over_caf {
  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  home_engine home;
  cluster_endpoint_actor endpoint;
  std::chrono::milliseconds timeout{500};

  home_over_caf() {
    sys_cfg.set("scheduler.policy", caf::atom("testing"));
    sys_cfg.set("logger.verbosity", caf::atom("quiet"));
    add_cluster_message_types(sys_cfg);
    sys = std::make_unique<caf::actor_system>(sys_cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
    endpoint = spawn_endpoint(*sys, home, membership_actor{}, {});
    sched->run();
  }

  ~home_over_caf() {
    caf::anon_send_exit(endpoint, caf::exit_reason::user_shutdown);
    sched->run();
    sched->clock().cancel_all();
  }

  void bind(key_lookup_slot& slot) {
    slot.bind([this](const std::string& account,
                     key_lookup_slot::keys_reply done) {
      sys->spawn([=, ep = endpoint](caf::event_based_actor* self) {
        self->request(ep, timeout, keys_atom::value, account)
            .then(
                [=](key_set_outcome& r) {
                  if (!r)
                    return done(r.error());
                  done(std::move(r->keys));
                },
                [=](caf::error& err) {
                  done(problem{errc::node_unavailable,
                               "Node n2 did not answer: " + caf::to_string(err),
                               {}});
                });
      });
    });
  }
};

} // namespace

TEST_CASE("the home's endpoint answers the keys a read token is proven with; "
          "a home that does not answer in time makes it node_unavailable") {
  test::keyed_engine e;
  home_over_caf n2;
  n2.bind(*e.lookup);
  n2.home.keys["alice.near"] = {raw_key(alice)};
  auto token = token_of(alice, "alice.near");

  proof accepted;
  e.eng->prove_reader(token, accepted.done());
  CHECK(accepted.answers == 0);
  n2.sched->run();
  REQUIRE(accepted.answers == 1);
  REQUIRE_MESSAGE(*accepted.answer, problem_of(accepted));
  CHECK(**accepted.answer == "alice.near");

  // Another account's token signed with alice's key: refused.
  proof foreign;
  e.eng->prove_reader(token_of(alice, "carol.near"), foreign.done());
  n2.sched->run();
  REQUIRE(foreign.answer);
  REQUIRE_FALSE(*foreign.answer);
  CHECK(foreign.answer->error().code == errc::unauthorized);

  n2.home.silent = true;
  proof late;
  e.eng->prove_reader(token, late.done());
  n2.sched->run();
  CHECK(late.answers == 0);
  n2.sched->advance_time(n2.timeout);
  n2.sched->run();
  REQUIRE(late.answers == 1);
  REQUIRE_FALSE(*late.answer);
  CHECK(late.answer->error().code == errc::node_unavailable);
  // An answer after the timeout changes nothing.
  for (auto& done : n2.home.unanswered)
    done(std::vector<std::string>{raw_key(alice)});
  n2.sched->run();
  CHECK(late.answers == 1);
}
