// A WebSocket subscription to an intent its owner does not know (stored on
// another node before a node was added): the node that holds it serves the
// subscription, on CAF's test coordinator with stand-in engines behind real
// endpoints and a stand-in for the search of the holder.

#include <doctest/doctest.h>

#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>

#include "runtime/cluster/cluster_table.hpp"
#include "runtime/cluster/endpoint.hpp"
#include "runtime/cluster/subscriptions.hpp"
#include "tests/cluster/idle_engine.hpp"

using namespace intentd;

namespace {

/// A node's engine that holds the intents in `held`: a subscription to one
/// is acknowledged, to another answered unknown_intent, as the notifier
/// does; `publish` hands a notice to the subscribers of an intent.
class holding_engine final : public test::idle_engine {
public:
  std::set<std::string> held;
  std::map<std::string, std::vector<notice_handler>> followers;
  std::vector<std::string> asked;

  std::unique_ptr<subscriber> subscribe(notice_handler on_notice) override {
    return std::make_unique<sub>(*this, std::move(on_notice));
  }

  void publish(const std::string& id, const notice& n) {
    for (auto& f : followers[id])
      f(n);
  }

private:
  class sub final : public subscriber {
  public:
    sub(holding_engine& e, notice_handler f) : e_(e), f_(std::move(f)) {}
    void subscribe(subscription_target, const std::string& key) override {
      e_.asked.push_back(key);
      if (e_.held.count(key) == 0) {
        f_(make_error_notice("unknown_intent", "No intent with id " + key + ".",
                             "intent", key));
        return;
      }
      e_.followers[key].push_back(f_);
      f_(make_subscribed_notice("intent", key));
    }
    void unsubscribe(subscription_target, const std::string& key) override {
      e_.followers.erase(key);
      f_(make_subscribed_notice("intent", key, false));
    }

  private:
    holding_engine& e_;
    notice_handler f_;
  };
};

cfg::cluster three_nodes() {
  cfg::cluster c;
  c.node = "n1";
  for (int i = 1; i <= 3; ++i) {
    auto n = std::to_string(i);
    c.nodes.push_back({"n" + n, "127.0.0.1:710" + n, "127.0.0.1:808" + n});
  }
  return c;
}

/// This node n1; n2 and n3 behind their endpoints. The search for a holder
/// is queued until the test answers it.
struct fixture {
  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  std::shared_ptr<cluster_table> table;
  holding_engine engines[3];
  cluster_endpoint_actor endpoints[3];
  std::unique_ptr<cluster_subscriptions> subs;
  std::deque<std::pair<std::string, std::function<void(outcome<std::size_t>)>>>
      searches;
  std::vector<notice> got;
  std::unique_ptr<subscriber> sub;

  fixture() {
    sys_cfg.set("scheduler.policy", caf::atom("testing"));
    sys_cfg.set("logger.verbosity", caf::atom("quiet"));
    add_cluster_message_types(sys_cfg);
    sys = std::make_unique<caf::actor_system>(sys_cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
    table = std::make_shared<cluster_table>(three_nodes());
    for (std::size_t n = 1; n < 3; ++n) {
      endpoints[n] = spawn_endpoint(*sys, engines[n], membership_actor{}, {});
      table->mark_up(n, endpoints[n]);
    }
    subs = std::make_unique<cluster_subscriptions>(
        *sys, table, engines[0],
        [this](const std::string& id,
               std::function<void(outcome<std::size_t>)> done) {
          searches.emplace_back(id, std::move(done));
        });
    sub = subs->attach([this](const notice& n) {
      got.push_back(n);
      return true;
    });
    REQUIRE(sub);
    sched->run();
  }

  ~fixture() {
    sub.reset();
    subs->stop();
    for (std::size_t n = 1; n < 3; ++n)
      caf::anon_send_exit(endpoints[n], caf::exit_reason::user_shutdown);
    sched->run();
    sched->clock().cancel_all();
  }

  /// An id whose owner is node `owner`.
  std::string id_owned_by(std::size_t owner) const {
    for (int i = 0;; ++i) {
      auto id = "old-" + std::to_string(i);
      if (table->owner_of(id) == owner)
        return id;
    }
  }

  void subscribe(const std::string& id) {
    sub->subscribe(subscription_target::intent, id);
    sched->run();
  }

  /// Subscribes to an id owned by node `owner` and held by node `holder`;
  /// the search for its holder waits for answer_search.
  std::string subscribe_held(std::size_t owner, std::size_t holder) {
    auto id = id_owned_by(owner);
    engines[holder].held.insert(id);
    subscribe(id);
    return id;
  }

  /// Answers the oldest search with `r`.
  void answer_search(outcome<std::size_t> r) {
    REQUIRE_FALSE(searches.empty());
    auto done = std::move(searches.front().second);
    searches.pop_front();
    done(std::move(r));
    sched->run();
  }

  /// The events got so far, as "kind code key".
  std::vector<std::string> events() const {
    std::vector<std::string> out;
    for (const auto& n : got) {
      auto kind =
          n.kind == notice_kind::error          ? "error " + n.code
          : n.kind == notice_kind::subscribed   ? std::string{"subscribed"}
          : n.kind == notice_kind::unsubscribed ? std::string{"unsubscribed"}
                                                : std::string{"update"};
      out.push_back(kind + " " + n.key);
    }
    return out;
  }
};

} // namespace

TEST_CASE("an intent its owner does not know is followed on the node that "
          "holds it") {
  fixture f;
  auto id = f.subscribe_held(1, 2); // owned by n2 now, held by n3
  CHECK(f.engines[1].asked == std::vector<std::string>{id});
  // The owner's unknown_intent is not the answer yet: the search is.
  CHECK(f.got.empty());
  REQUIRE(f.searches.size() == 1);
  CHECK(f.searches.front().first == id);
  f.answer_search(std::size_t{2});
  CHECK(f.engines[2].asked == std::vector<std::string>{id});
  CHECK(f.events() == std::vector<std::string>{"subscribed " + id});
  // Its transitions come from the holder.
  f.engines[2].publish(id, make_error_notice("probe", "x", "intent", id));
  f.sched->run();
  CHECK(f.events() ==
        std::vector<std::string>{"subscribed " + id, "error probe " + id});
  // The owner going down is no news for it; the holder going down is.
  f.table->mark_down(1);
  f.subs->node_down(1);
  f.sched->run();
  CHECK(f.got.size() == 2);
  f.table->mark_down(2);
  f.subs->node_down(2);
  f.sched->run();
  REQUIRE(f.got.size() == 3);
  CHECK(f.got.back().code == "node_unavailable");
  CHECK(f.got.back().key == id);
}

TEST_CASE("unsubscribing reaches the holder; subscribing again looks for "
          "it again") {
  fixture f;
  auto id = f.subscribe_held(1, 2);
  f.answer_search(std::size_t{2});
  f.sub->unsubscribe(subscription_target::intent, id);
  f.sched->run();
  CHECK(f.events() ==
        std::vector<std::string>{"subscribed " + id, "unsubscribed " + id});
  CHECK(f.engines[2].followers.empty());
  CHECK(f.engines[1].asked.size() == 1); // nothing reaches the owner
  f.subscribe(id);
  CHECK(f.engines[1].asked.size() == 2);
  f.answer_search(std::size_t{2});
  CHECK(f.engines[2].asked.size() == 2);
  CHECK(f.got.back().kind == notice_kind::subscribed);
  // Subscribing again while followed there goes there at once.
  f.subscribe(id);
  CHECK(f.searches.empty());
  CHECK(f.engines[1].asked.size() == 2);
  CHECK(f.engines[2].asked.size() == 3);
}

TEST_CASE("an intent held on this node while another owns it is followed "
          "here") {
  fixture f;
  auto id = f.subscribe_held(2, 0);
  f.answer_search(std::size_t{0});
  CHECK(f.engines[0].asked == std::vector<std::string>{id});
  CHECK(f.events() == std::vector<std::string>{"subscribed " + id});
}

TEST_CASE("no node holds the intent: the owner's unknown_intent; a holder "
          "that cannot be asked: node_unavailable") {
  fixture f;
  auto id = f.id_owned_by(1);
  f.subscribe(id);
  f.answer_search(problem{errc::not_found, "No intent.", {}});
  CHECK(f.events() == std::vector<std::string>{"error unknown_intent " + id});

  auto other = f.id_owned_by(2);
  f.subscribe(other);
  f.answer_search(problem{errc::node_unavailable, "Node n2 is down.", {}});
  REQUIRE(f.got.size() == 2);
  CHECK(f.got.back().code == "node_unavailable");
  CHECK(f.got.back().key == other);
  CHECK(f.got.back().message == "Node n2 is down.");

  // The owner here: its own unknown_intent starts the search too.
  auto mine = f.id_owned_by(0);
  f.subscribe(mine);
  REQUIRE(f.searches.size() == 1);
  // A holder found down when the answer comes: node_unavailable.
  f.table->mark_down(1);
  f.answer_search(std::size_t{1});
  REQUIRE(f.got.size() == 3);
  CHECK(f.got.back().code == "node_unavailable");
  CHECK(f.got.back().key == mine);
}

TEST_CASE("an unsubscription while the holder is looked for drops the "
          "search's answer") {
  fixture f;
  auto id = f.subscribe_held(1, 2);
  f.sub->unsubscribe(subscription_target::intent, id);
  f.sched->run();
  f.answer_search(std::size_t{2});
  CHECK(f.engines[2].asked.empty());
  CHECK(f.events() == std::vector<std::string>{"unsubscribed " + id});
}
