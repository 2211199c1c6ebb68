#pragma once

// The engine that engine_core::start returns, shared by engine_requests.cpp
// (the requests) and engine_lifecycle.cpp (start-up, readiness and stop).

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/cache.hpp"
#include "actors/messages.hpp"
#include "actors/request_timeout.hpp"
#include "runtime/engine/component_settings.hpp"
#include "runtime/engine/engine.hpp"
#include "runtime/engine/metrics_wiring.hpp"
#include "runtime/engine/notifier_link.hpp"
#include "runtime/engine/signature_gate.hpp"
#include "runtime/engine/solver_registry.hpp"

namespace intentd {
/// Work for the bridge: the actor that sends requests on behalf of threads
/// outside the actor system and hands the answers to their callbacks. One
/// long-lived actor instead of one per request keeps waiting requests cheap.
using bridge_call = std::function<void(caf::event_based_actor*)>;

/// The request deadlines of the bridge actor `bridge` (engine_lifecycle.cpp).
request_deadlines& bridge_deadlines(caf::event_based_actor* bridge);
} // namespace intentd

// Local only: the bridge runs calls from this process's threads (asio
// strands, embedders) and hands answers back to their callbacks.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(intentd::bridge_call)

namespace intentd {

class engine_impl final : public engine_core {
public:
  /// With `s`, the settings of `c` (settings_of), on `chain`, or the
  /// simulated chain when it is null.
  engine_impl(const cfg::config& c, component_settings s,
              std::unique_ptr<chain_adapter> chain = nullptr);

  ~engine_impl() override { stop(); }

  const token_registry& tokens() const override { return settings_.tokens; }
  const cfg::config& config() const override { return config_; }

  /// Whether this engine's chain can settle for external solvers
  /// (chain_adapter::settles): asked of the chain's adapter, or, when
  /// another node hosts the chain, taken from chain_proxy_options::settles.
  bool chain_settles() const { return chain_settles_; }

  void submit(intent in, std::string body_digest,
              reply<submit_result> done) override;

  void submit(intent in, std::string body_digest, submit_admission admit,
              reply<submit_result> done) override;

  outcome<std::string> prove_reader(const std::string& token) const override;
  void prove_reader(const std::string& token, reply<std::string> done) override;

  void get(const std::string& id, reply<intent_record> done) override;

  void get_rendered(const std::string& id,
                    reply<rendered_record> done) override;
  std::optional<rendered_record>
  cached_rendered(const std::string& id) override;

  void list(const list_query& query, reply<record_page> done) override {
    done(store_->list(query));
  }

  void find_by_tx(const std::string& hash, reply<intent_record> done) override;

  void cancel(const std::string& id, reply<intent_record> done) override {
    cancel(id, std::nullopt, std::move(done));
  }

  void cancel(const std::string& id, std::optional<cancel_auth> auth,
              reply<intent_record> done) override;

  void register_key(const std::string& account,
                    const std::string& public_key_hex,
                    reply<bool> done) override;
  void account_keys_of(const std::string& account,
                       reply<std::vector<std::string>> done) override {
    done(gate_->keys_of(account));
  }

  void dead_letters(uint32_t limit,
                    reply<std::vector<intent_record>> done) override;

  void retry_dead_letter(const std::string& id,
                         reply<intent_record> done) override;

  void purge_dead_letter(const std::string& id,
                         reply<intent_record> done) override;

  void solvers(reply<std::vector<solver_view>> done) override;

  void nonce_owner(const std::string& account, uint64_t nonce,
                   reply<std::optional<std::string>> done) override;

  void chain(chain_call call, reply<chain_reply> done) override;

  std::unique_ptr<subscriber> subscribe(notice_handler on_notice) override {
    return link_->attach(std::move(on_notice));
  }

  std::shared_ptr<rate_limiter> rate_limits() override { return limiter_; }
  std::shared_ptr<status_cache> cache() override { return cache_; }
  std::shared_ptr<solver_registry> solver_links() override {
    return solver_links_;
  }

  bool ready() const override { return ready_; }
  std::optional<std::string> failure() const override;

  std::shared_ptr<engine_metrics> metrics() const override { return metrics_; }

  void readiness(std::function<void(std::vector<health_check>)> done) override;

  void stop() override;

private:
  static problem unreachable(const caf::error& err);
  static problem overloaded();
  static problem no_such_intent(const std::string& id);

  /// Spawns the external solvers' auction and routes the registry's quotes
  /// and departures to it.
  void spawn_external_auction(const cfg::config& c);

  /// A submission whose signature was checked (`refused`: why not
  /// accepted): admitted, then stored.
  void submit_checked(std::optional<problem> refused, intent in,
                      std::string body_digest, submit_admission admit,
                      reply<submit_result> done);

  /// A cancellation whose signature was checked: to the directory.
  void cancel_checked(const std::string& id, reply<intent_record> done);

  /// Hands an admitted submission to the directory.
  void store_submission(intent in, std::string body_digest,
                        reply<submit_result> done);

  // Memory, then storage on this thread (LMDB reads take no lock and do
  // not wait on the writer), then the chain through the cache actor. The
  // hit carries a rendering only when the cache kept one.
  void lookup(const std::string& id, reply<status_cache::hit> done);
  /// A cache hit as a rendered record: its rendering, made and kept in the
  /// cache when the hit had none.
  rendered_record rendered_from(const std::string& id, status_cache::hit h);

  /// Sends a request from the bridge actor and hands the answer (or a
  /// timeout problem) to `on_value` / `on_error`. Past server.max_in_flight
  /// requests waiting, answers overloaded at once instead of queueing.
  template<class Value, class Handle, class OnValue, class Done, class... Ts>
  void ask(const Handle& dest, OnValue on_value, Done on_error, Ts&&... xs) {
    if (in_flight_.fetch_add(1) >= max_in_flight_) {
      --in_flight_;
      return on_error(overloaded());
    }
    auto timeout = timeout_;
    auto* in_flight = &in_flight_;
    bridge_call call = [=](caf::event_based_actor* self) mutable {
      auto& deadlines = bridge_deadlines(self);
      auto h = timed_request(self, deadlines, dest, timeout, std::move(xs)...);
      h.then(
          [=, &deadlines, mid = h.id()](Value& v) mutable {
            deadlines.drop(mid);
            --*in_flight;
            on_value(std::move(v));
          },
          [=, &deadlines, mid = h.id()](caf::error& err) mutable {
            deadlines.drop(mid);
            --*in_flight;
            on_error(unreachable(err));
          });
    };
    caf::anon_send(bridge_, std::move(call));
  }

  cfg::config config_;
  component_settings settings_;
  std::shared_ptr<engine_metrics> metrics_ = std::make_shared<engine_metrics>();
  std::shared_ptr<solver_registry> solver_links_ =
      std::make_shared<solver_registry>(config_.solvers.external, metrics_);
  /// The simulated chain's logged journal (chain.simulated.journal: log),
  /// for /metrics and /readyz; null without one.
  std::shared_ptr<chain_journal_monitor> chain_journal_;
  std::shared_ptr<commit_health> commit_health_ =
      std::make_shared<commit_health>();
  std::chrono::milliseconds timeout_;
  std::chrono::milliseconds call_timeout_;
  std::shared_ptr<record_store> store_;
  std::unique_ptr<signature_gate> gate_;
  caf::actor_system_config sys_cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  storage_writer_actor writer_;
  chain_actor chain_;
  bool chain_settles_ = false;
  solver_pool_actor pool_;
  /// The external solvers' auction; null without solvers.external or a
  /// chain that settles.
  auction_actor auction_;
  directory_actor directory_;
  sweeper_actor sweeper_;
  caf::actor bridge_;
  record_reader_actor reader_;
  notifier_actor notifier_;
  std::shared_ptr<notifier_link> link_;
  std::shared_ptr<status_cache> cache_;
  std::shared_ptr<rate_limiter> limiter_;
  cache_actor cache_actor_;
  rate_limiter_actor limiter_actor_;
  uint32_t max_in_flight_ = 0;
  std::atomic<uint32_t> in_flight_{0};
  std::atomic<bool> ready_{false};
  std::atomic<bool> stopped_{false};
  /// Set once, before failed_, when recovery fails.
  std::string failure_;
  std::atomic<bool> failed_{false};
};

} // namespace intentd
