// Rate limits counted at a key's home node: which node counts which keys
// (rate_shares), and the endpoint counting the keys it is home to on its
// own engine, on CAF's test coordinator with a clock the test sets.

#include <doctest/doctest.h>

#include <optional>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>

#include "actors/rate_limit_table.hpp"
#include "runtime/cluster/endpoint.hpp"
#include "runtime/cluster/rate_homes.hpp"
#include "tests/cluster/idle_engine.hpp"

using namespace intentd;

namespace {

constexpr uint8_t ip_bit = key_bit(rate_key::ip);
constexpr uint8_t user_bit = key_bit(rate_key::user);
constexpr uint8_t global_bit = key_bit(rate_key::global);

/// Homes of a three-node cluster the test chooses: "ip-on-N" and
/// "user-on-N" live on node N.
std::size_t home_of(const std::string& key) {
  return static_cast<std::size_t>(key.back() - '0');
}

bool has(const std::vector<rate_share>& shares, std::size_t node,
         uint8_t keys) {
  for (const auto& s : shares)
    if (s.node == node)
      return s.keys == keys;
  return false;
}

/// An engine that only counts rate limits, on a clock the test sets.
class counting_engine final : public test::idle_engine {
public:
  explicit counting_engine(rate_limit_settings s)
      : limiter_(std::make_shared<rate_limiter>(std::move(s))) {}

  time_us now = 1'000'000'000;
  /// Counts made here, with the keys asked for.
  std::vector<uint8_t> counted;

  void count_rate(rate_route route, rate_subject who, uint8_t keys,
                  std::function<void(rate_decision)> done) override {
    counted.push_back(keys);
    done(limiter_->check(route, who, now, keys));
  }
  std::shared_ptr<rate_limiter> rate_limits() override { return limiter_; }

private:
  std::shared_ptr<rate_limiter> limiter_;
};

rate_limit_settings three_rules() {
  rate_limit_settings s;
  s.rules.push_back(rate_rule{"per-ip", rate_key::ip, route_submit, 3,
                              60'000'000, rate_algorithm::sliding_window});
  s.rules.push_back(rate_rule{"per-user", rate_key::user, route_submit, 2,
                              60'000'000, rate_algorithm::sliding_window});
  s.rules.push_back(rate_rule{"everyone", rate_key::global, route_submit, 1,
                              60'000'000, rate_algorithm::sliding_window});
  return s;
}

struct fixture {
  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  counting_engine engine{three_rules()};
  cluster_endpoint_actor endpoint;

  fixture() {
    sys_cfg.set("scheduler.policy", caf::atom("testing"));
    sys_cfg.set("logger.verbosity", caf::atom("quiet"));
    add_cluster_message_types(sys_cfg);
    sys = std::make_unique<caf::actor_system>(sys_cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
    endpoint = spawn_endpoint(*sys, engine, membership_actor{}, {});
    sched->run();
  }

  ~fixture() {
    caf::anon_send_exit(endpoint, caf::exit_reason::user_shutdown);
    sched->run();
    sched->clock().cancel_all();
  }

  /// Asks the endpoint to count, as another node does; runs to the answer.
  rate_decision count(const std::string& ip, const std::string& user,
                      uint8_t keys) {
    auto slot = std::make_shared<std::optional<rate_outcome>>();
    sys->spawn([=, ep = endpoint](caf::event_based_actor* self) {
      self->request(ep, caf::infinite, rate_atom::value,
                    static_cast<uint8_t>(route_submit), rate_subject{ip, user},
                    keys)
          .then([=](rate_outcome& r) { *slot = std::move(r); });
    });
    sched->run();
    REQUIRE(slot->has_value());
    REQUIRE(static_cast<bool>(**slot));
    return ***slot;
  }
};

} // namespace

TEST_CASE("each key is counted at its home, global rules on the node asked, "
          "the other nodes' shares first") {
  rate_subject who{"ip-on-2", "user-on-1"};
  auto all = rate_shares(all_keys, who, 0, home_of);
  REQUIRE(all.size() == 3);
  CHECK(has(all, 2, ip_bit));
  CHECK(has(all, 1, user_bit));
  CHECK(has(all, 0, global_bit));
  CHECK(all.back().node == 0);

  // One share per node: an address and an account with the same home.
  auto together =
      rate_shares(all_keys, rate_subject{"ip-on-1", "user-on-1"}, 0, home_of);
  REQUIRE(together.size() == 2);
  CHECK(together[0].node == 1);
  CHECK(together[0].keys == (ip_bit | user_bit));
  CHECK(together[1].node == 0);
  CHECK(together[1].keys == global_bit);

  // Home here: counted here, in one share.
  auto here =
      rate_shares(anonymous_keys, rate_subject{"ip-on-0", ""}, 0, home_of);
  REQUIRE(here.size() == 1);
  CHECK(here[0].node == 0);
  CHECK(here[0].keys == anonymous_keys);

  // Only the keys asked for; no account: its rules count nothing, here.
  auto ip_only = rate_shares(ip_bit, who, 0, home_of);
  REQUIRE(ip_only.size() == 1);
  CHECK(has(ip_only, 2, ip_bit));
  auto nobody = rate_shares(user_bit, rate_subject{"ip-on-2", ""}, 0, home_of);
  REQUIRE(nobody.size() == 1);
  CHECK(has(nobody, 0, user_bit));
  CHECK(rate_shares(0, who, 0, home_of).empty());
}

TEST_CASE("the endpoint counts an address at its home: the limit holds "
          "whichever node asks, with the remaining budget in each answer") {
  fixture f;
  auto a = f.count("10.0.0.7", "", ip_bit);
  CHECK(a.applied);
  CHECK(a.allowed);
  CHECK(a.limit == 3);
  CHECK(a.remaining == 2);
  CHECK(f.count("10.0.0.7", "", ip_bit).remaining == 1);
  CHECK(f.count("10.0.0.7", "", ip_bit).remaining == 0);
  auto refused = f.count("10.0.0.7", "", ip_bit);
  CHECK(refused.applied);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.rule == 0);
  CHECK(refused.retry_after_s >= 1);
  // Another address has its own budget.
  CHECK(f.count("10.0.0.8", "", ip_bit).allowed);
  // Each count reached the engine with exactly the keys asked: the global
  // rule (limit 1) was never counted here.
  CHECK(f.engine.counted == std::vector<uint8_t>(5, ip_bit));
  // The window slides on: the address may send again.
  f.engine.now += 60'000'000;
  CHECK(f.count("10.0.0.7", "", ip_bit).allowed);
}

TEST_CASE("the endpoint counts an account at its home") {
  fixture f;
  CHECK(f.count("10.0.0.1", "0xalice", user_bit).remaining == 1);
  CHECK(f.count("10.0.0.2", "0xalice", user_bit).remaining == 0);
  auto refused = f.count("10.0.0.3", "0xalice", user_bit);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.rule == 1);
  CHECK(f.count("10.0.0.3", "0xbob", user_bit).allowed);
}

TEST_CASE("a denial wins over allowed decisions counted elsewhere") {
  rate_decision none;
  rate_decision roomy{true, true, 0, 10, 9, 6, 0};
  rate_decision tight{true, true, 1, 5, 1, 12, 0};
  rate_decision denied{true, false, 2, 5, 0, 12, 3};
  CHECK(tighter(none, roomy).remaining == 9);
  CHECK(tighter(roomy, none).remaining == 9);
  CHECK(tighter(roomy, tight).rule == 1);
  CHECK(tighter(tight, roomy).rule == 1);
  CHECK_FALSE(tighter(tight, denied).allowed);
  CHECK_FALSE(tighter(denied, tight).allowed);
  CHECK_FALSE(tighter(denied, none).allowed);
  CHECK_FALSE(tighter(none, denied).allowed);
}
