#include <doctest/doctest.h>

#include "config/load.hpp"

using namespace intentd::cfg;

TEST_CASE("an empty document yields the defaults") {
  for (const char* text : {"", "\n", "# only a comment\n", "---\n", "~\n"}) {
    CAPTURE(text);
    const config c = parse(text);
    CHECK(c.server.listen == "127.0.0.1:8080");
    CHECK(c.server.threads == 2);
    CHECK(c.storage.path == "./data");
    CHECK(c.storage.sync);
    CHECK(c.storage.max_map_size_mb == 65536);
    CHECK(c.storage.retention_s == 604800);
    CHECK(c.storage.purge_batch == 500);
    CHECK(c.chain.kind == "simulated");
    CHECK(c.chain.simulated.latency_ms == 20);
    CHECK(c.chain.simulated.failure_rate == 0.0);
    CHECK(c.chain.simulated.revert_rate == 0.0);
    CHECK(c.chain.simulated.journal_sync);
    CHECK(c.chain.simulated.journal == "lmdb");
    CHECK(c.chain.simulated.journal_refuse_factor == 4);
    CHECK(c.solvers.retry.max_attempts == 5);
    CHECK(c.solvers.retry.base_delay_ms == 1000);
    REQUIRE(c.tokens.size() == 3);
    CHECK(c.tokens[0].id == "usdc.near");
    CHECK(c.tokens[2].decimals == 24);
    CHECK(c.logging.level == "info");
  }
}

TEST_CASE("an empty section keeps its defaults") {
  const config c = parse("server:\nstorage: {}\nchain:\n  simulated:\n");
  CHECK(c.server.listen == "127.0.0.1:8080");
  CHECK(c.storage.path == "./data");
  CHECK(c.chain.simulated.latency_ms == 20);
}

TEST_CASE("the DESIGN.md keys are read") {
  const config c = parse(R"(
server: { listen: "0.0.0.0:9090" }
storage: { path: "/var/lib/intentd", sync: false }
chain:   { kind: simulated,
           simulated: { latency_ms: 5, failure_rate: 0.1, revert_rate: 0.05 } }
solvers: { retry: { max_attempts: 7, base_delay_ms: 250 } }
)");
  CHECK(c.server.listen == "0.0.0.0:9090");
  CHECK(c.storage.path == "/var/lib/intentd");
  CHECK_FALSE(c.storage.sync);
  CHECK(c.chain.kind == "simulated");
  CHECK(c.chain.simulated.latency_ms == 5);
  CHECK(c.chain.simulated.failure_rate == 0.1);
  CHECK(c.chain.simulated.revert_rate == 0.05);
  CHECK(c.solvers.retry.max_attempts == 7);
  CHECK(c.solvers.retry.base_delay_ms == 250);
  CHECK(c.solvers.retry.max_delay_ms == 30'000);
}

TEST_CASE("every key is read") {
  const config c = parse(R"(
server:
  listen: "[::1]:8443"
  threads: 8
  body_limit: 1048576
  header_limit: 16384
  read_timeout_ms: 5000
  idle_timeout_ms: 30000
  max_connections: 500
  request_timeout_ms: 7000
  shutdown_grace_ms: 0
storage:
  path: data2
  sync: true
  map_size_mb: 16
  max_map_size_mb: 32
  retention_s: 0
  purge_batch: 7
chain:
  kind: simulated
  simulated:
    latency_ms: 0
    failure_rate: 1
    revert_rate: 0.5
    seed: 18446744073709551615
    initial_balance: "25"
    gas_per_execution: 21000
    gas_price: 3
    journal_sync: false
    journal: log
    journal_refuse_factor: 9
solvers:
  count: 64
  retry:
    max_attempts: 100
    base_delay_ms: 10
    max_delay_ms: 10
    jitter: 1.0
  failover_after: 1
  cooldown_ms: 0
tokens:
  - { id: btc.near, decimals: 8, price: "60000.5" }
validation:
  max_amount: 5000
  max_lifetime_s: 60
  default_lifetime_s: 60
  max_id_length: 128
intents:
  max_live: 1
  restart_limit: 0
  restart_window_ms: 1
notifier:
  max_subscriptions_per_connection: 3
  max_queued_messages: 4
  ping_interval_ms: 500
  max_message_bytes: 1024
  send_buffer_bytes: 8192
logging:
  level: trace
  format: json
)");
  CHECK(c.server.listen == "[::1]:8443");
  CHECK(c.server.threads == 8);
  CHECK(c.server.body_limit == 1048576);
  CHECK(c.server.header_limit == 16384);
  CHECK(c.server.read_timeout_ms == 5000);
  CHECK(c.server.idle_timeout_ms == 30000);
  CHECK(c.server.max_connections == 500);
  CHECK(c.server.request_timeout_ms == 7000);
  CHECK(c.server.shutdown_grace_ms == 0);
  CHECK(c.storage.path == "data2");
  CHECK(c.storage.sync);
  CHECK(c.storage.map_size_mb == 16);
  CHECK(c.storage.max_map_size_mb == 32);
  CHECK(c.storage.retention_s == 0);
  CHECK(c.storage.purge_batch == 7);
  CHECK(c.chain.simulated.latency_ms == 0);
  CHECK(c.chain.simulated.failure_rate == 1.0);
  CHECK(c.chain.simulated.revert_rate == 0.5);
  CHECK(c.chain.simulated.seed == 18446744073709551615ull);
  CHECK(c.chain.simulated.initial_balance == "25");
  CHECK(c.chain.simulated.gas_per_execution == 21000);
  CHECK(c.chain.simulated.gas_price == 3);
  CHECK_FALSE(c.chain.simulated.journal_sync);
  CHECK(c.chain.simulated.journal == "log");
  CHECK(c.chain.simulated.journal_refuse_factor == 9);
  CHECK(c.solvers.count == 64);
  CHECK(c.solvers.retry.max_attempts == 100);
  CHECK(c.solvers.retry.base_delay_ms == 10);
  CHECK(c.solvers.retry.max_delay_ms == 10);
  CHECK(c.solvers.retry.jitter == 1.0);
  CHECK(c.solvers.failover_after == 1);
  CHECK(c.solvers.cooldown_ms == 0);
  REQUIRE(c.tokens.size() == 1);
  CHECK(c.tokens[0].id == "btc.near");
  CHECK(c.tokens[0].decimals == 8);
  CHECK(c.tokens[0].price == "60000.5");
  CHECK(c.validation.max_amount == "5000");
  CHECK(c.validation.max_lifetime_s == 60);
  CHECK(c.validation.default_lifetime_s == 60);
  CHECK(c.validation.max_id_length == 128);
  CHECK(c.intents.max_live == 1);
  CHECK(c.intents.restart_limit == 0);
  CHECK(c.intents.restart_window_ms == 1);
  CHECK(c.notifier.max_subscriptions_per_connection == 3);
  CHECK(c.notifier.max_queued_messages == 4);
  CHECK(c.notifier.ping_interval_ms == 500);
  CHECK(c.notifier.max_message_bytes == 1024);
  CHECK(c.notifier.send_buffer_bytes == 8192);
  CHECK(c.logging.level == "trace");
  CHECK(c.logging.format == "json");
}

TEST_CASE("keys left out keep their defaults beside the ones given") {
  const config c = parse("server:\n  threads: 4\n");
  CHECK(c.server.threads == 4);
  CHECK(c.server.listen == "127.0.0.1:8080");
  CHECK(c.server.body_limit == 64 * 1024);
}
