#include "runtime/engine/component_settings.hpp"

#include <algorithm>
#include <exception>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>

#include "config/host_port.hpp"
#include "runtime/settings/domain_settings.hpp"

namespace intentd {

namespace {

using std::chrono::milliseconds;

rate_rule rule_of(const cfg::rate_rule& c) {
  rate_rule r;
  r.name = c.name;
  r.key = c.key == "user_account" ? rate_key::user
          : c.key == "global"     ? rate_key::global
                                  : rate_key::ip;
  r.routes = 0;
  for (const auto& route : c.routes)
    r.routes |= route == "read"        ? route_read
                : route == "websocket" ? route_websocket
                                       : route_submit;
  r.limit = c.limit;
  r.window = static_cast<time_us>(c.window_s) * 1'000'000;
  r.algorithm = c.algorithm == "token_bucket" ? rate_algorithm::token_bucket
                                              : rate_algorithm::sliding_window;
  return r;
}

rate_limit_settings rate_limits_of(const cfg::rate_limits& c) {
  rate_limit_settings s;
  s.enabled = c.enabled;
  for (const auto& r : c.rules)
    s.rules.push_back(rule_of(r));
  s.max_keys = c.max_keys;
  s.trusted_proxies = c.trusted_proxies;
  s.allow_ips = c.allow_ips;
  s.allow_api_keys = c.allow_api_keys;
  s.api_key_header = c.api_key_header;
  return s;
}

cache_settings cache_of(const cfg::cache& c) {
  cache_settings s;
  s.enabled = c.enabled;
  s.ttl = static_cast<time_us>(c.ttl_ms) * 1000;
  s.capacity = c.capacity;
  s.chain_fallback = c.chain_fallback;
  return s;
}

/// Throws std::invalid_argument when `listen` is not an IP address and a
/// port (IPv6 in brackets).
http_options http_of(const cfg::server& server) {
  auto listen = cfg::parse_host_port(server.listen);
  if (!listen.ok())
    throw std::invalid_argument("server.listen: " + listen.error);
  if (!cfg::is_ip_address(listen.value.host))
    throw std::invalid_argument("server.listen: expected an IP address and a "
                                "port, got '" +
                                server.listen + "'");
  http_options o;
  o.host = listen.value.host;
  o.port = listen.value.port;
  o.threads = server.threads;
  o.body_limit = server.body_limit;
  o.header_limit = server.header_limit;
  o.read_timeout = milliseconds{server.read_timeout_ms};
  o.idle_timeout = milliseconds{server.idle_timeout_ms};
  o.request_timeout = milliseconds{server.request_timeout_ms};
  o.max_connections = server.max_connections;
  return o;
}

ws_options ws_of(const cfg::config& c) {
  ws_options o;
  o.max_queued = c.notifier.max_queued_messages;
  o.ping_interval = milliseconds{c.notifier.ping_interval_ms};
  o.handshake_timeout = milliseconds{c.server.read_timeout_ms};
  o.max_message_bytes = c.notifier.max_message_bytes;
  o.send_buffer_bytes = c.notifier.send_buffer_bytes;
  return o;
}

/// Runs one mapping that may throw, keeping its message in `problems`.
template<class Step>
void run_step(std::vector<std::string>& problems, Step step) {
  try {
    step();
  } catch (const std::exception& e) {
    problems.emplace_back(e.what());
  }
}

component_settings build(const cfg::config& c, settings_scope scope,
                         std::vector<std::string>& problems) {
  const bool gateway = scope == settings_scope::daemon;
  component_settings s;
  run_step(problems, [&] { s.tokens = make_tokens(c.tokens); });
  if (gateway)
    run_step(problems, [&] { s.limits = make_limits(c); });
  run_step(problems, [&] { s.chain = make_chain_options(c.chain.simulated); });
  if (gateway) {
    run_step(problems, [&] { s.http = http_of(c.server); });
    s.ws = ws_of(c);
    s.solver_ws.link = s.ws;
  }
  s.chain_journal.path =
      (std::filesystem::path{c.storage.path} / "chain").string();
  s.chain_journal.sync = c.storage.sync && c.chain.simulated.journal_sync;
  s.chain_journal_log = c.chain.simulated.journal == "log";
  s.chain_journal_checkpoints.refuse_past(
      c.chain.simulated.journal_refuse_factor);

  s.scheduler_threads = scheduler_threads_for(
      c.engine.scheduler_threads, std::thread::hardware_concurrency());
  s.request_timeout = milliseconds{c.server.request_timeout_ms};
  s.call_timeout = milliseconds{2 * c.chain.simulated.latency_ms + 10'000};
  s.max_in_flight = c.server.max_in_flight;

  s.store.path = c.storage.path;
  s.store.sync = c.storage.sync;
  s.store.map_size = c.storage.map_size_mb << 20;
  s.store.max_map_size = c.storage.max_map_size_mb << 20;
  s.write_path.path =
      c.storage.write_path == "log" ? write_path::log : write_path::lmdb;
  s.write_path.checkpoint_interval =
      std::chrono::milliseconds{c.storage.checkpoint_interval_ms};
  s.write_path.checkpoint_records = c.storage.checkpoint_records;
  s.write_path.checkpoint_log_bytes = uint64_t{c.storage.checkpoint_log_mb}
                                      << 20;

  s.writer.max_batch = c.storage.max_batch;
  s.writer.max_wait = std::chrono::microseconds{c.storage.max_wait_us};

  s.chain_actor.latency = milliseconds{c.chain.simulated.latency_ms};
  s.chain_actor.detached = true;

  s.solver_pool.solvers = c.solvers.count;
  s.solver_pool.failover_after = c.solvers.failover_after;
  s.solver_pool.cooldown = milliseconds{c.solvers.cooldown_ms};
  s.solver_pool.call_timeout = s.call_timeout;

  const auto& r = c.solvers.retry;
  s.retry = retry_policy{r.max_attempts, r.base_delay_ms, r.max_delay_ms,
                         r.jitter, c.solvers.count};
  s.ask_chain_first = c.storage.retention_s > 0;

  s.directory.max_live = c.intents.max_live;
  s.directory.restart_limit = c.intents.restart_limit;
  s.directory.restart_window = milliseconds{c.intents.restart_window_ms};

  s.notifier.max_subscriptions = c.notifier.max_subscriptions_per_connection;
  // The current states of a user subscription fit in half its queue.
  s.notifier.max_current_per_user =
      std::clamp<uint32_t>(c.notifier.max_queued_messages / 2, 1, 100);
  s.notifier.read_timeout = s.request_timeout;
  s.notifier.tokens = s.tokens;

  s.cache = cache_of(c.cache);
  // A cluster node's records name it from the cache on, renderings too.
  s.cache.node = c.cluster.node;
  s.rate_limits = rate_limits_of(c.rate_limits);
  if (c.storage.retention_s > 0) {
    sweeper_options sweep;
    sweep.retention = std::chrono::seconds{c.storage.retention_s};
    sweep.batch = c.storage.purge_batch;
    s.sweeper = sweep;
  }
  return s;
}

} // namespace

component_settings settings_of(const cfg::config& c, settings_scope scope) {
  std::vector<std::string> problems;
  auto s = build(c, scope, problems);
  if (!problems.empty())
    throw std::invalid_argument(problems.front());
  return s;
}

std::vector<std::string> settings_problems(const cfg::config& c) {
  std::vector<std::string> problems;
  build(c, settings_scope::daemon, problems);
  return problems;
}

uint32_t scheduler_threads_for(uint32_t configured, unsigned hardware_threads) {
  if (configured > 0)
    return configured;
  return std::clamp<uint32_t>(hardware_threads, 2, 4);
}

void configure_actor_system(caf::actor_system_config& sys_cfg,
                            const component_settings& s) {
  sys_cfg.set("scheduler.max-threads",
              static_cast<size_t>(s.scheduler_threads));
  // One shared job queue: work stealing takes jobs from the tail of a
  // list it walks, which turns bursts (100,000 exits) quadratic.
  sys_cfg.set("scheduler.policy", caf::atom("sharing"));
  sys_cfg.set("logger.verbosity", caf::atom("quiet"));
}

} // namespace intentd
