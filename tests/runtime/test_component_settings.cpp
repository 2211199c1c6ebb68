#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

#include "config/load.hpp"
#include "runtime/engine/component_settings.hpp"

using namespace intentd;
using namespace std::chrono_literals;

namespace {

http_options http_of(const std::string& listen) {
  cfg::config c;
  c.server.listen = listen;
  return settings_of(c).http;
}

} // namespace

TEST_CASE("the gateway's settings come from the server section") {
  auto c = cfg::parse("server: {listen: \"0.0.0.0:9090\", read_timeout_ms: "
                      "1234, threads: 3}\n"
                      "notifier: {max_queued_messages: 17}");
  auto s = settings_of(c);
  CHECK(s.http.host == "0.0.0.0");
  CHECK(s.http.port == 9090);
  CHECK(s.http.threads == 3);
  CHECK(s.http.read_timeout == 1234ms);
  CHECK(s.ws.handshake_timeout == 1234ms);
  CHECK(s.ws.max_queued == 17);
  CHECK(http_of("[::1]:0").host == "::1");
  for (auto bad :
       {"localhost", "127.0.0.1:", "127.0.0.1:99999", "nohost:80", ":80"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(http_of(bad), std::invalid_argument);
  }
  CHECK(settings_problems(c).empty());
}

TEST_CASE("the engine's settings come from their sections") {
  auto c = cfg::parse(
      "storage: {path: /tmp/x, map_size_mb: 32, max_batch: "
      "7, retention_s: 0}\n"
      "chain: {simulated: {latency_ms: 5, journal_sync: "
      "false}}\n"
      "solvers: {count: 4, cooldown_ms: 9}\n"
      "intents: {max_live: 11}\n"
      "cache: {ttl_ms: 2}\n"
      "rate_limits: {rules: [{name: r, key: global, routes: [submit], "
      "limit: 3, window_s: 60, algorithm: sliding_window}]}\n"
      "server: {request_timeout_ms: 700, max_in_flight: 8}");
  auto s = settings_of(c);
  CHECK(s.store.path == "/tmp/x");
  CHECK(s.store.map_size == 32ull << 20);
  CHECK(s.writer.max_batch == 7);
  CHECK(s.chain_journal.path == "/tmp/x/chain");
  CHECK_FALSE(s.chain_journal.sync);
  CHECK_FALSE(s.chain_journal_log);
  CHECK(settings_of(cfg::parse("chain: {simulated: {journal: log}}"))
            .chain_journal_log);
  // The chain log's bound: four times its thresholds by default, as the
  // journal's own default, else journal_refuse_factor times them.
  const logged_chain_journal_options defaults;
  CHECK(s.chain_journal_checkpoints.max_pending_entries ==
        defaults.max_pending_entries);
  CHECK(s.chain_journal_checkpoints.max_pending_log_bytes ==
        defaults.max_pending_log_bytes);
  CHECK(defaults.max_pending_entries == 4 * defaults.checkpoint_entries);
  const auto bound = settings_of(cfg::parse("chain: {simulated: {journal: log, "
                                            "journal_refuse_factor: 7}}"))
                         .chain_journal_checkpoints;
  CHECK(bound.max_pending_entries == 7 * bound.checkpoint_entries);
  CHECK(bound.max_pending_entries == 700'000);
  CHECK(bound.max_pending_log_bytes == 7 * (64ull << 20));
  CHECK(s.chain_actor.latency == 5ms);
  CHECK(s.call_timeout == 10'010ms);
  CHECK(s.solver_pool.solvers == 4);
  CHECK(s.solver_pool.cooldown == 9ms);
  CHECK(s.solver_pool.call_timeout == s.call_timeout);
  CHECK(s.retry.solvers == 4);
  CHECK(s.directory.max_live == 11);
  CHECK(s.cache.ttl == 2'000);
  REQUIRE(s.rate_limits.rules.size() == 1);
  CHECK(s.rate_limits.rules[0].key == rate_key::global);
  CHECK(s.request_timeout == 700ms);
  CHECK(s.notifier.read_timeout == 700ms);
  CHECK(s.max_in_flight == 8);
  CHECK_FALSE(s.sweeper);
  CHECK_FALSE(s.ask_chain_first);
  CHECK(s.tokens.find("usdc.near") != nullptr);
  c.storage.retention_s = 60;
  s = settings_of(c);
  REQUIRE(s.sweeper);
  CHECK(s.sweeper->retention == 60s);
  CHECK(s.ask_chain_first);
}

TEST_CASE("settings_problems lists every unusable value, settings_of the "
          "first") {
  auto c = cfg::parse("server: {listen: \"localhost:1\"}\n"
                      "tokens: [{id: x.near, decimals: 6, price: "
                      "\"0.0000000001\"}]");
  auto problems = settings_problems(c);
  REQUIRE(problems.size() == 2);
  CHECK(problems[0] == "token x.near: bad price 0.0000000001");
  CHECK(problems[1] ==
        "server.listen: expected an IP address and a port, got 'localhost:1'");
  CHECK_THROWS_WITH(settings_of(c), problems[0].c_str());
}

TEST_CASE("the engine's scope leaves the gateway's keys to the gateway") {
  // An embedder may start the engine with a listen host it never binds.
  auto c = cfg::parse("server: {listen: \"localhost:1\"}\n"
                      "validation: {max_amount: \"" +
                      std::string(40, '9') + "\"}");
  CHECK_THROWS_AS(settings_of(c), std::invalid_argument);
  auto s = settings_of(c, settings_scope::engine);
  CHECK(s.tokens.find("usdc.near") != nullptr);
  CHECK(s.http.host == http_options{}.host);
  c.tokens[0].price = "0.0000000001";
  CHECK_THROWS_WITH(settings_of(c, settings_scope::engine),
                    "token usdc.near: bad price 0.0000000001");
}

TEST_CASE("engine.scheduler_threads: 0 follows the hardware within 2 to 4") {
  CHECK(scheduler_threads_for(3, 16) == 3);
  CHECK(scheduler_threads_for(1, 16) == 1);
  CHECK(scheduler_threads_for(0, 0) == 2);
  CHECK(scheduler_threads_for(0, 1) == 2);
  CHECK(scheduler_threads_for(0, 3) == 3);
  CHECK(scheduler_threads_for(0, 64) == 4);
  auto c = cfg::parse("engine: {scheduler_threads: 5}");
  CHECK(settings_of(c).scheduler_threads == 5);
}

TEST_CASE("engine.scheduler_threads reaches the actor system") {
  for (uint32_t threads : {1u, 3u}) {
    CAPTURE(threads);
    cfg::config c;
    c.engine.scheduler_threads = threads;
    caf::actor_system_config sys_cfg;
    configure_actor_system(sys_cfg, settings_of(c));
    caf::actor_system sys{sys_cfg};
    CHECK(sys.scheduler().num_workers() == threads);
  }
}
