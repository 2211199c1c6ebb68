#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/load.hpp"
#include "config/suggest.hpp"

using namespace intentd::cfg;
namespace fs = std::filesystem;

namespace {

void check_same(const config& a, const config& b) {
  CHECK(a.server.listen == b.server.listen);
  CHECK(a.server.threads == b.server.threads);
  CHECK(a.server.body_limit == b.server.body_limit);
  CHECK(a.server.header_limit == b.server.header_limit);
  CHECK(a.server.read_timeout_ms == b.server.read_timeout_ms);
  CHECK(a.server.idle_timeout_ms == b.server.idle_timeout_ms);
  CHECK(a.server.max_connections == b.server.max_connections);
  CHECK(a.server.request_timeout_ms == b.server.request_timeout_ms);
  CHECK(a.server.shutdown_grace_ms == b.server.shutdown_grace_ms);
  CHECK(a.storage.path == b.storage.path);
  CHECK(a.storage.sync == b.storage.sync);
  CHECK(a.storage.map_size_mb == b.storage.map_size_mb);
  CHECK(a.storage.max_map_size_mb == b.storage.max_map_size_mb);
  CHECK(a.storage.retention_s == b.storage.retention_s);
  CHECK(a.storage.purge_batch == b.storage.purge_batch);
  CHECK(a.storage.max_batch == b.storage.max_batch);
  CHECK(a.storage.max_wait_us == b.storage.max_wait_us);
  CHECK(a.storage.write_path == b.storage.write_path);
  CHECK(a.storage.checkpoint_interval_ms == b.storage.checkpoint_interval_ms);
  CHECK(a.storage.checkpoint_records == b.storage.checkpoint_records);
  CHECK(a.storage.checkpoint_log_mb == b.storage.checkpoint_log_mb);
  CHECK(a.chain.kind == b.chain.kind);
  const auto& sa = a.chain.simulated;
  const auto& sb = b.chain.simulated;
  CHECK(sa.latency_ms == sb.latency_ms);
  CHECK(sa.failure_rate == sb.failure_rate);
  CHECK(sa.revert_rate == sb.revert_rate);
  CHECK(sa.seed == sb.seed);
  CHECK(sa.initial_balance == sb.initial_balance);
  CHECK(sa.gas_per_execution == sb.gas_per_execution);
  CHECK(sa.gas_price == sb.gas_price);
  CHECK(sa.journal_sync == sb.journal_sync);
  CHECK(sa.journal == sb.journal);
  CHECK(sa.journal_refuse_factor == sb.journal_refuse_factor);
  CHECK(a.solvers.count == b.solvers.count);
  CHECK(a.solvers.retry.max_attempts == b.solvers.retry.max_attempts);
  CHECK(a.solvers.retry.base_delay_ms == b.solvers.retry.base_delay_ms);
  CHECK(a.solvers.retry.max_delay_ms == b.solvers.retry.max_delay_ms);
  CHECK(a.solvers.retry.jitter == b.solvers.retry.jitter);
  CHECK(a.solvers.failover_after == b.solvers.failover_after);
  CHECK(a.solvers.cooldown_ms == b.solvers.cooldown_ms);
  CHECK(a.solvers.external.size() == b.solvers.external.size());
  CHECK(a.solvers.quote_window_ms == b.solvers.quote_window_ms);
  CHECK(a.solvers.reconnect_grace_ms == b.solvers.reconnect_grace_ms);
  REQUIRE(a.tokens.size() == b.tokens.size());
  for (size_t i = 0; i < a.tokens.size(); ++i) {
    CHECK(a.tokens[i].id == b.tokens[i].id);
    CHECK(a.tokens[i].decimals == b.tokens[i].decimals);
    CHECK(a.tokens[i].price == b.tokens[i].price);
  }
  CHECK(a.validation.max_amount == b.validation.max_amount);
  CHECK(a.validation.max_lifetime_s == b.validation.max_lifetime_s);
  CHECK(a.validation.default_lifetime_s == b.validation.default_lifetime_s);
  CHECK(a.validation.max_id_length == b.validation.max_id_length);
  CHECK(a.intents.max_live == b.intents.max_live);
  CHECK(a.intents.restart_limit == b.intents.restart_limit);
  CHECK(a.intents.restart_window_ms == b.intents.restart_window_ms);
  CHECK(a.notifier.max_subscriptions_per_connection ==
        b.notifier.max_subscriptions_per_connection);
  CHECK(a.notifier.max_queued_messages == b.notifier.max_queued_messages);
  CHECK(a.notifier.ping_interval_ms == b.notifier.ping_interval_ms);
  CHECK(a.notifier.max_message_bytes == b.notifier.max_message_bytes);
  CHECK(a.notifier.send_buffer_bytes == b.notifier.send_buffer_bytes);
  CHECK(a.logging.level == b.logging.level);
  CHECK(a.logging.format == b.logging.format);
  CHECK(a.cluster.node == b.cluster.node);
  CHECK(a.cluster.listen == b.cluster.listen);
  REQUIRE(a.cluster.nodes.size() == b.cluster.nodes.size());
  for (size_t i = 0; i < a.cluster.nodes.size(); ++i) {
    CHECK(a.cluster.nodes[i].name == b.cluster.nodes[i].name);
    CHECK(a.cluster.nodes[i].address == b.cluster.nodes[i].address);
    CHECK(a.cluster.nodes[i].http == b.cluster.nodes[i].http);
  }
  CHECK(a.cluster.heartbeat_interval_ms == b.cluster.heartbeat_interval_ms);
  CHECK(a.cluster.node_timeout_ms == b.cluster.node_timeout_ms);
  CHECK(a.cluster.chain_node == b.cluster.chain_node);
  CHECK(a.cluster.forward_timeout_ms == b.cluster.forward_timeout_ms);
  CHECK(a.cluster.near_cache_entries == b.cluster.near_cache_entries);
  CHECK(a.cluster.near_cache_ttl_ms == b.cluster.near_cache_ttl_ms);
}

/// A fresh directory under the system temp dir, removed on destruction.
struct temp_dir {
  fs::path path;
  temp_dir() {
    static std::atomic<int> counter{0};
    const auto stamp =
        std::chrono::steady_clock::now().time_since_epoch().count();
    path = fs::temp_directory_path() /
           ("intentd-config-test-" + std::to_string(stamp) + "-" +
            std::to_string(counter++));
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return (path / name).string();
  }
};

fs::path example(const char* name) {
  return fs::path(__FILE__).parent_path() / "../../examples" / name;
}

std::string load_error(const std::string& path) {
  try {
    load_file(path);
  } catch (const config_error& e) {
    return e.what();
  }
  return "no error";
}

} // namespace

TEST_CASE("to_yaml of the defaults parses back to the defaults") {
  const config defaults;
  const std::string text = to_yaml(defaults);
  for (const char* key : {"listen",
                          "threads",
                          "body_limit",
                          "header_limit",
                          "read_timeout_ms",
                          "idle_timeout_ms",
                          "max_connections",
                          "request_timeout_ms",
                          "shutdown_grace_ms",
                          "path",
                          "sync",
                          "map_size_mb",
                          "max_map_size_mb",
                          "retention_s",
                          "purge_batch",
                          "max_batch",
                          "max_wait_us",
                          "write_path",
                          "checkpoint_interval_ms",
                          "checkpoint_records",
                          "checkpoint_log_mb",
                          "kind",
                          "latency_ms",
                          "failure_rate",
                          "revert_rate",
                          "seed",
                          "initial_balance",
                          "gas_per_execution",
                          "gas_price",
                          "count",
                          "max_attempts",
                          "base_delay_ms",
                          "max_delay_ms",
                          "jitter",
                          "failover_after",
                          "cooldown_ms",
                          "external",
                          "quote_window_ms",
                          "reconnect_grace_ms",
                          "tokens",
                          "decimals",
                          "price",
                          "max_amount",
                          "max_lifetime_s",
                          "default_lifetime_s",
                          "max_id_length",
                          "max_live",
                          "restart_limit",
                          "restart_window_ms",
                          "level",
                          "format"})
    CHECK_MESSAGE(text.find(std::string{key} + ":") != std::string::npos, key);
  check_same(parse(text), defaults);
}

TEST_CASE("to_yaml round-trips a config with unusual values") {
  config c;
  c.server.listen = "[::1]:0";
  c.server.threads = 64;
  c.server.body_limit = 64 * 1024 * 1024;
  c.storage.path = "null";
  c.storage.sync = false;
  c.storage.max_wait_us = 1'000'000;
  c.storage.write_path = "log";
  c.storage.checkpoint_log_mb = 65'536;
  c.chain.simulated.failure_rate = 0.1;
  c.chain.simulated.revert_rate = 1.0 / 3.0;
  c.chain.simulated.seed = 18446744073709551615ull;
  c.chain.simulated.initial_balance = "007";
  c.solvers.retry.jitter = 1e-7;
  c.tokens = {{"true", 0, "0.5"}, {"a b", 24, "12345678901234567890.1"}};
  c.validation.max_amount = "123456789012345678901234567890";
  c.notifier.max_queued_messages = 1'000'000;
  c.notifier.send_buffer_bytes = 4096;
  c.logging.level = "off";
  c.logging.format = "json";
  config back;
  SUBCASE("token ids without spaces") {
    c.tokens[1].id = "x:y";
    back = parse(to_yaml(c));
    check_same(back, c);
    CHECK(to_yaml(back) == to_yaml(c));
  }
  SUBCASE("invalid values fail on the way back") {
    CHECK_THROWS_AS(parse(to_yaml(c)), config_error);
  }
}

TEST_CASE("load_file reads a file") {
  temp_dir dir;
  const auto path = dir.write("ok.yaml", "server:\n  threads: 6\n");
  CHECK(load_file(path).server.threads == 6);
  CHECK(load_file(dir.write("empty.yaml", "")).server.threads == 2);
}

TEST_CASE("load_file names the file and the OS reason when it cannot read") {
  temp_dir dir;
  const auto missing = (dir.path / "missing.yaml").string();
  CHECK(load_error(missing) ==
        "cannot read config file " + missing + ": No such file or directory");
  CHECK(load_error(dir.path.string()) ==
        "cannot read config file " + dir.path.string() + ": Is a directory");
}

TEST_CASE("load_file reports syntax and key errors with the file and line") {
  temp_dir dir;
  const auto broken = dir.write("broken.yaml", "server:\n  listen: [a\n");
  const auto e = load_error(broken);
  CHECK(e.rfind(broken + " (line ", 0) == 0);
  CHECK(e.find("invalid YAML") != std::string::npos);
  const auto typo = dir.write("typo.yaml", "\n\nstorage:\n  sink: true\n");
  CHECK(load_error(typo).rfind(typo + ": storage.sink (line 4): unknown key; "
                                      "did you mean `sync`?",
                               0) == 0);
}

TEST_CASE("the example configs load") {
  const config quick = load_file(example("intentd.yaml").string());
  CHECK(quick.server.listen == "127.0.0.1:8080");
  CHECK(quick.storage.path == "./data");
  CHECK(quick.storage.sync);
  CHECK(quick.chain.kind == "simulated");
  CHECK(quick.chain.simulated.latency_ms == 20);
  CHECK(quick.chain.simulated.failure_rate == 0.0);
  CHECK(quick.chain.simulated.revert_rate == 0.0);
  CHECK(quick.solvers.retry.max_attempts == 5);
  CHECK(quick.solvers.retry.base_delay_ms == 1000);
  check_same(quick, config{});

  const config production = load_file(example("production.yaml").string());
  CHECK(production.logging.format == "json");
  CHECK(production.server.threads > config{}.server.threads);
  check_same(parse(to_yaml(production)), production);
}

TEST_CASE("edit distance and suggestions") {
  CHECK(edit_distance("latency_ms", "latency_ms") == 0);
  CHECK(edit_distance("latncy_ms", "latency_ms") == 1);
  CHECK(edit_distance("ltaency_ms", "latency_ms") == 1);
  CHECK(edit_distance("LATENCY_MS", "latency_ms") == 0);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(nearest("latncy_ms", {"failure_rate", "latency_ms"}) == "latency_ms");
  CHECK(nearest("compression", {"path", "sync", "map_size_mb"}).empty());
  CHECK(nearest("syn", {"path", "sync"}) == "sync");
}
