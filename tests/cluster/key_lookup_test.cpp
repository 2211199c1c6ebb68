// The keys of an account kept at its home node: the real engine, with a
// stand-in for the home (settings.key_lookup), checks a signature its own
// keys do not prove against the home's keys, and refuses when the home
// cannot answer; the endpoint registers and answers keys as the home.

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>

#include "runtime/cluster/endpoint.hpp"
#include "runtime/engine/component_settings.hpp"
#include "runtime/model/signing.hpp"
#include "runtime/model/time.hpp"
#include "tests/cluster/idle_engine.hpp"
#include "tests/cluster/keyed_engine.hpp"

using namespace intentd;
using test::alice;
using test::bob;
using test::hex_key;
using test::raw_key;

namespace {

intent transfer(const std::string& id, uint64_t nonce,
                const ed25519_keys& keys) {
  intent in;
  in.id = id;
  in.user_account = "alice.near";
  in.action = action_kind::transfer;
  in.input_token = "usdc.near";
  in.input_amount = 12'500'000;
  in.recipient = "carol.near";
  in.expires_at = wall_clock_now() + 3'600'000'000ll;
  in.nonce = nonce;
  sign_intent(in, keys);
  return in;
}

/// keyed_engine, submitting and cancelling.
struct keyed_engine : test::keyed_engine {
  outcome<submit_result> submit(intent in) {
    std::promise<outcome<submit_result>> p;
    eng->submit(std::move(in), "digest",
                [&p](outcome<submit_result> r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }

  /// Waits for the update that ends intent `id` (a subscription, no
  /// polling); false when none came within a minute.
  bool wait_final(const std::string& id) {
    auto ended = std::make_shared<std::promise<void>>();
    auto once = std::make_shared<std::once_flag>();
    auto sub = eng->subscribe_to(
        subscription_target::intent, id, [ended, once](const notice& n) {
          if (n.kind == notice_kind::update && n.update &&
              is_terminal(n.update->status))
            std::call_once(*once, [&] { ended->set_value(); });
          return true;
        });
    if (!sub)
      return false;
    return ended->get_future().wait_for(std::chrono::minutes{1}) ==
           std::future_status::ready;
  }

  outcome<intent_record> cancel(const std::string& id, cancel_auth auth) {
    std::promise<outcome<intent_record>> p;
    eng->cancel(id, auth,
                [&p](outcome<intent_record> r) { p.set_value(std::move(r)); });
    return p.get_future().get();
  }
};

errc code_of(const outcome<submit_result>& r) {
  return r ? errc::internal : r.error().code;
}

} // namespace

TEST_CASE("a signature the keys here do not prove is checked against the "
          "account's keys at its home") {
  keyed_engine e;
  e.answer = std::vector<std::string>{raw_key(alice)};
  auto r = e.submit(transfer("k-1", 1, alice));
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
  CHECK(r->created);
  CHECK(e.asked == std::vector<std::string>{"alice.near"});

  // The home's keys decide the kind of refusal too.
  r = e.submit(transfer("k-2", 2, bob)); // bob.near's key, held here
  CHECK(code_of(r) == errc::foreign_key);
  e.answer = std::vector<std::string>{};
  r = e.submit(transfer("k-3", 3, alice));
  CHECK(code_of(r) == errc::unknown_account_key);

  // A signature that does not verify under the home's key is a mismatch.
  auto altered = transfer("k-4", 4, alice);
  altered.input_amount += 1;
  e.answer = std::vector<std::string>{raw_key(alice)};
  r = e.submit(altered);
  CHECK(code_of(r) == errc::signature_mismatch);
}

TEST_CASE("a home that cannot answer refuses the submission with its "
          "problem, never admits it") {
  keyed_engine e;
  e.answer = problem{errc::node_unavailable, "Node n2 is down.", {}};
  auto r = e.submit(transfer("k-1", 1, alice));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::node_unavailable);
  // Unbound (the cluster stopped): the same.
  e.lookup->bind(nullptr);
  r = e.submit(transfer("k-1", 1, alice));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::node_unavailable);
}

TEST_CASE("keys held here are checked here") {
  keyed_engine e;
  auto in = transfer("k-1", 1, bob);
  in.user_account = "bob.near";
  sign_intent(in, bob);
  auto r = e.submit(in);
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
  CHECK(e.asked.empty());
}

TEST_CASE("a cancellation signed with a key kept at the home is checked "
          "there") {
  keyed_engine e;
  e.answer = std::vector<std::string>{raw_key(alice)};
  auto submitted = e.submit(transfer("k-1", 1, alice));
  REQUIRE_MESSAGE(submitted, (submitted ? "" : submitted.error().message));
  // Cancelled only after it ended: every answer below is the signature
  // check's, or (not_cancellable) the intent's once the check passed.
  REQUIRE(e.wait_final("k-1"));
  cancel_auth auth{
      hex_key(alice),
      sign_message(alice, *cancel_message("k-1", 1, hex_key(alice)))};
  e.asked.clear();
  e.answer = problem{errc::node_unavailable, "Node n2 is down.", {}};
  auto c = e.cancel("k-1", auth);
  REQUIRE_FALSE(c);
  CHECK(c.error().code == errc::node_unavailable);
  CHECK(e.asked == std::vector<std::string>{"alice.near"});
  e.answer = std::vector<std::string>{};
  c = e.cancel("k-1", auth);
  REQUIRE_FALSE(c);
  CHECK(c.error().code == errc::unknown_account_key);
  e.answer = std::vector<std::string>{raw_key(alice)};
  c = e.cancel("k-1", auth);
  REQUIRE_FALSE(c);
  CHECK(c.error().code == errc::not_cancellable);
  CHECK(e.asked.size() == 3);
}

namespace {

/// A home whose engine keeps keys in memory.
class home_engine final : public test::idle_engine {
public:
  std::map<std::string, std::vector<std::string>> keys;
  void register_key(const std::string& account, const std::string& hex,
                    reply<bool> done) override {
    auto& held = keys[account];
    auto raw = from_hex(hex).value_or("");
    bool added = std::find(held.begin(), held.end(), raw) == held.end();
    if (added)
      held.push_back(raw);
    done(added);
  }
  void account_keys_of(const std::string& account,
                       reply<std::vector<std::string>> done) override {
    done(keys[account]);
  }
};

} // namespace

TEST_CASE("the endpoint registers keys and answers them as the account's "
          "home") {
  caf::actor_system_config sys_cfg;
  sys_cfg.set("scheduler.policy", caf::atom("testing"));
  sys_cfg.set("logger.verbosity", caf::atom("quiet"));
  add_cluster_message_types(sys_cfg);
  caf::actor_system sys{sys_cfg};
  auto& sched =
      dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  home_engine engine;
  auto endpoint = spawn_endpoint(sys, engine, membership_actor{}, {});
  sched.run();

  std::optional<key_added_outcome> added;
  std::optional<key_set_outcome> held;
  auto add = [&](const std::string& account, const std::string& key) {
    sys.spawn([&, account, key, ep = endpoint](caf::event_based_actor* self) {
      self->request(ep, caf::infinite, keys_atom::value, account, key)
          .then([&](key_added_outcome& r) { added = std::move(r); });
    });
    sched.run();
  };
  auto keys_of = [&](const std::string& account) {
    sys.spawn([&, account, ep = endpoint](caf::event_based_actor* self) {
      self->request(ep, caf::infinite, keys_atom::value, account)
          .then([&](key_set_outcome& r) { held = std::move(r); });
    });
    sched.run();
  };
  add("alice.near", hex_key(alice));
  REQUIRE(added);
  REQUIRE(*added);
  CHECK(**added);
  add("alice.near", hex_key(alice));
  CHECK_FALSE(**added); // known
  keys_of("alice.near");
  REQUIRE(held);
  REQUIRE(*held);
  CHECK((*held)->keys == std::vector<std::string>{raw_key(alice)});

  caf::anon_send_exit(endpoint, caf::exit_reason::user_shutdown);
  sched.run();
  sched.clock().cancel_all();
}
