#pragma once

#include <cstdint>

#include "config/checks.hpp"
#include "config/cluster.hpp"
#include "config/config.hpp"

namespace intentd::cfg {

// Each inspect function names a section's keys in order, with their checks.
// The same functions drive reading (yaml_reader), listing the valid keys
// (key_lister) and writing (yaml_writer).

constexpr uint64_t kib = 1024;
constexpr uint64_t mib = 1024 * kib;

template<class Inspector>
void inspect(Inspector& f, server& x) {
  f.field("listen", x.listen, check_listen);
  f.field("threads", x.threads, in_range<uint32_t>(1, 64));
  f.field("body_limit", x.body_limit,
          in_range<uint64_t>(kib, 64 * mib, " bytes"));
  f.field("header_limit", x.header_limit,
          in_range<uint32_t>(kib, mib, " bytes"));
  f.field("read_timeout_ms", x.read_timeout_ms, at_least<uint32_t>(1));
  f.field("idle_timeout_ms", x.idle_timeout_ms, at_least<uint32_t>(1));
  f.field("max_connections", x.max_connections, at_least<uint32_t>(1));
  f.field("request_timeout_ms", x.request_timeout_ms, at_least<uint32_t>(1));
  f.field("shutdown_grace_ms", x.shutdown_grace_ms);
  f.field("max_in_flight", x.max_in_flight, at_least<uint32_t>(1));
}

template<class Inspector>
void inspect(Inspector& f, storage& x) {
  f.field("path", x.path, check_non_empty);
  f.field("sync", x.sync);
  f.field("map_size_mb", x.map_size_mb, in_range<uint64_t>(16, 1048576));
  f.field("max_map_size_mb", x.max_map_size_mb,
          in_range<uint64_t>(16, 16 * 1048576));
  f.field("retention_s", x.retention_s);
  f.field("purge_batch", x.purge_batch, in_range<uint32_t>(1, 100'000));
  f.field("max_batch", x.max_batch, in_range<uint32_t>(1, 100'000));
  f.field("max_wait_us", x.max_wait_us, in_range<uint32_t>(0, 1'000'000));
  f.field("write_path", x.write_path, one_of{{"lmdb", "log"}, "write path"});
  f.field("checkpoint_interval_ms", x.checkpoint_interval_ms,
          in_range<uint32_t>(10, 600'000));
  f.field("checkpoint_records", x.checkpoint_records,
          in_range<uint32_t>(100, 10'000'000));
  f.field("checkpoint_log_mb", x.checkpoint_log_mb,
          in_range<uint32_t>(1, 65'536));
}

template<class Inspector>
void inspect(Inspector& f, simulated_chain& x) {
  f.field("latency_ms", x.latency_ms, at_most<uint32_t>(600'000));
  f.field("failure_rate", x.failure_rate, in_range(0.0, 1.0));
  f.field("revert_rate", x.revert_rate, in_range(0.0, 1.0));
  f.field("seed", x.seed);
  f.field("initial_balance", x.initial_balance, check_positive_integer);
  f.field("gas_per_execution", x.gas_per_execution);
  f.field("gas_price", x.gas_price);
  f.field("journal_sync", x.journal_sync);
  f.field("journal", x.journal, one_of{{"lmdb", "log"}, "journal kind"});
  f.field("journal_refuse_factor", x.journal_refuse_factor,
          in_range<uint32_t>(2, 64));
}

template<class Inspector>
void inspect(Inspector& f, chain& x) {
  f.field("kind", x.kind, one_of{{"simulated"}, "chain kind"});
  f.section("simulated", x.simulated);
}

template<class Inspector>
void inspect(Inspector& f, retry& x) {
  f.field("max_attempts", x.max_attempts, in_range<uint32_t>(1, 100));
  f.field("base_delay_ms", x.base_delay_ms);
  f.field("max_delay_ms", x.max_delay_ms);
  f.field("jitter", x.jitter, in_range(0.0, 1.0));
  f.require(
      x.base_delay_ms <= x.max_delay_ms, {"base_delay_ms", "max_delay_ms"},
      "base_delay_ms (" + to_text(x.base_delay_ms) +
          ") must not exceed max_delay_ms (" + to_text(x.max_delay_ms) + ")");
}

template<class Inspector>
void inspect(Inspector& f, external_solver& x) {
  f.field("solver_id", x.solver_id, check_solver_id);
  f.field("public_key", x.public_key, check_hex_key);
  f.field("account", x.account, check_non_empty);
}

template<class Inspector>
void inspect(Inspector& f, solvers& x) {
  f.field("count", x.count, in_range<uint32_t>(1, 64));
  f.section("retry", x.retry);
  f.field("failover_after", x.failover_after, at_least<uint32_t>(1));
  f.field("cooldown_ms", x.cooldown_ms);
  f.list("external", x.external);
  const auto problem = check_external_solvers(x.external);
  f.require(problem.empty(), {"external"}, problem);
  f.field("quote_window_ms", x.quote_window_ms, in_range<uint32_t>(10, 60'000));
  f.field("reconnect_grace_ms", x.reconnect_grace_ms,
          in_range<uint32_t>(0, 60'000));
}

template<class Inspector>
void inspect(Inspector& f, token& x) {
  f.field("id", x.id, check_token_id);
  f.field("decimals", x.decimals, in_range<uint32_t>(0, 24));
  f.field("price", x.price, check_positive_decimal);
}

template<class Inspector>
void inspect(Inspector& f, validation& x) {
  f.field("max_amount", x.max_amount, check_positive_integer);
  f.field("max_lifetime_s", x.max_lifetime_s, at_least<uint32_t>(1));
  f.field("default_lifetime_s", x.default_lifetime_s, at_least<uint32_t>(1));
  f.field("max_id_length", x.max_id_length, in_range<uint32_t>(1, 128));
  f.require(x.default_lifetime_s <= x.max_lifetime_s,
            {"default_lifetime_s", "max_lifetime_s"},
            "default_lifetime_s (" + to_text(x.default_lifetime_s) +
                ") must not exceed max_lifetime_s (" +
                to_text(x.max_lifetime_s) + ")");
}

template<class Inspector>
void inspect(Inspector& f, intents& x) {
  f.field("max_live", x.max_live, at_least<uint32_t>(1));
  f.field("restart_limit", x.restart_limit);
  f.field("restart_window_ms", x.restart_window_ms, at_least<uint32_t>(1));
}

template<class Inspector>
void inspect(Inspector& f, notifier& x) {
  f.field("max_subscriptions_per_connection",
          x.max_subscriptions_per_connection, in_range<uint32_t>(1, 100'000));
  f.field("max_queued_messages", x.max_queued_messages,
          in_range<uint32_t>(1, 1'000'000));
  f.field("ping_interval_ms", x.ping_interval_ms,
          in_range<uint32_t>(100, 3'600'000));
  f.field("max_message_bytes", x.max_message_bytes,
          in_range<uint32_t>(256, 1'048'576, " bytes"));
  f.field("send_buffer_bytes", x.send_buffer_bytes,
          at_most<uint32_t>(64 * 1'048'576));
}

template<class Inspector>
void inspect(Inspector& f, rate_rule& x) {
  f.field("name", x.name, check_non_empty);
  f.field("key", x.key,
          one_of{{"ip", "user_account", "global"}, "rate-limit key"});
  f.field("routes", x.routes,
          each_of{{"submit", "read", "websocket"}, "route"});
  f.field("limit", x.limit, in_range<uint32_t>(1, 1'000'000));
  f.field("window_s", x.window_s, in_range<uint32_t>(1, 86'400));
  f.field("algorithm", x.algorithm,
          one_of{{"sliding_window", "token_bucket"}, "algorithm"});
}

template<class Inspector>
void inspect(Inspector& f, rate_limits& x) {
  f.field("enabled", x.enabled);
  f.field("trusted_proxies", x.trusted_proxies, check_addresses);
  f.field("allow_ips", x.allow_ips, check_addresses);
  f.field("allow_api_keys", x.allow_api_keys);
  f.field("api_key_header", x.api_key_header, check_non_empty);
  f.field("max_keys", x.max_keys, in_range<uint32_t>(1, 10'000'000));
  f.list("rules", x.rules);
}

template<class Inspector>
void inspect(Inspector& f, cache& x) {
  f.field("enabled", x.enabled);
  f.field("ttl_ms", x.ttl_ms, at_least<uint32_t>(1));
  f.field("capacity", x.capacity, in_range<uint32_t>(1, 10'000'000));
  f.field("chain_fallback", x.chain_fallback);
}

template<class Inspector>
void inspect(Inspector& f, logging& x) {
  f.field("level", x.level,
          one_of{{"trace", "debug", "info", "warn", "error", "off"},
                 "logging level"});
  f.field("format", x.format, one_of{{"text", "json"}, "logging format"});
}

template<class Inspector>
void inspect(Inspector& f, account_key& x) {
  f.field("account", x.account, check_non_empty);
  f.field("public_key", x.public_key, check_hex_key);
}

template<class Inspector>
void inspect(Inspector& f, security& x) {
  f.field("require_signatures", x.require_signatures);
  f.field("admin_api_keys", x.admin_api_keys, check_api_keys);
  f.list("keys", x.keys);
  f.field("read_access", x.read_access,
          one_of{{"open", "owner"}, "read access mode"});
  f.field("read_token_max_ttl_s", x.read_token_max_ttl_s,
          in_range<uint32_t>(60, 86'400, " s"));
}

template<class Inspector>
void inspect(Inspector& f, engine& x) {
  f.field("scheduler_threads", x.scheduler_threads, at_most<uint32_t>(64));
}

template<class Inspector>
void inspect(Inspector& f, cluster_node& x) {
  f.field("name", x.name, check_node_name);
  f.field("address", x.address, check_listen);
  f.field("http", x.http, check_listen);
}

template<class Inspector>
void inspect(Inspector& f, cluster& x) {
  f.field("node", x.node);
  f.field("listen", x.listen, check_optional_listen);
  f.list("nodes", x.nodes);
  f.field("heartbeat_interval_ms", x.heartbeat_interval_ms,
          in_range<uint32_t>(10, 60'000));
  f.field("node_timeout_ms", x.node_timeout_ms);
  f.field("chain_node", x.chain_node);
  f.field("forward_timeout_ms", x.forward_timeout_ms, at_least<uint32_t>(1));
  f.field("previous_nodes", x.previous_nodes, check_node_names);
  f.field("near_cache_entries", x.near_cache_entries,
          in_range<uint32_t>(0, 1'000'000));
  f.field("near_cache_ttl_ms", x.near_cache_ttl_ms,
          in_range<uint32_t>(1, 86'400'000));
  // The whole section, once its keys are read: an empty listen is this
  // node's address.
  default_cluster_listen(x);
  const auto problem = check_cluster(x);
  f.require(problem.message.empty(), {problem.key, problem.otherwise},
            problem.message);
}

template<class Inspector>
void inspect(Inspector& f, config& x) {
  f.section("server", x.server);
  f.section("storage", x.storage);
  f.section("chain", x.chain);
  f.section("solvers", x.solvers);
  f.tokens("tokens", x.tokens);
  f.section("validation", x.validation);
  f.section("intents", x.intents);
  f.section("notifier", x.notifier);
  f.section("rate_limits", x.rate_limits);
  f.section("cache", x.cache);
  f.section("logging", x.logging);
  f.section("security", x.security);
  f.section("engine", x.engine);
  f.section("cluster", x.cluster);
}

} // namespace intentd::cfg
