#include <doctest/doctest.h>

#include <string>

#include "config/load.hpp"
#include "parse_error.hpp"

using namespace intentd::cfg;
using intentd::cfg::test::error_of;

namespace {

bool accepted(const std::string& text) {
  return error_of(text) == "no error";
}

bool rejected(const std::string& text, const std::string& path) {
  const auto e = error_of(text);
  return e.rfind(path + " (line ", 0) == 0;
}

} // namespace

TEST_CASE("server.listen") {
  for (const char* ok : {"127.0.0.1:8080", "0.0.0.0:0", "localhost:65535",
                         "[::1]:8080", "[::]:1", "example.com:443"}) {
    CAPTURE(ok);
    CHECK(accepted(std::string{"server: { listen: \""} + ok + "\" }"));
  }
  for (const char* bad :
       {"", "8080", ":8080", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:80a",
        "::1:8080", "[::1]8080", "[]:80", "[::1", "my host:80", "h:123456"}) {
    CAPTURE(bad);
    CHECK(rejected(std::string{"server: { listen: \""} + bad + "\" }",
                   "server.listen"));
  }
  CHECK(error_of("server: { listen: \"::1:8080\" }").find("brackets") !=
        std::string::npos);
}

TEST_CASE("server limits") {
  CHECK(rejected("server: { threads: 0 }", "server.threads"));
  CHECK(accepted("server: { threads: 1 }"));
  CHECK(accepted("server: { threads: 64 }"));
  CHECK(error_of("server: { threads: 65 }") ==
        "server.threads (line 1): must be between 1 and 64, got 65");
  CHECK(rejected("server: { body_limit: 1023 }", "server.body_limit"));
  CHECK(accepted("server: { body_limit: 1024 }"));
  CHECK(accepted("server: { body_limit: 67108864 }"));
  CHECK(rejected("server: { body_limit: 67108865 }", "server.body_limit"));
  CHECK(rejected("server: { header_limit: 1023 }", "server.header_limit"));
  CHECK(accepted("server: { header_limit: 1048576 }"));
  CHECK(rejected("server: { header_limit: 1048577 }", "server.header_limit"));
  for (const char* key : {"read_timeout_ms", "idle_timeout_ms",
                          "request_timeout_ms", "max_connections"}) {
    CAPTURE(key);
    CHECK(rejected(std::string{"server: { "} + key + ": 0 }",
                   std::string{"server."} + key));
    CHECK(accepted(std::string{"server: { "} + key + ": 1 }"));
  }
}

TEST_CASE("storage") {
  CHECK(error_of("storage: { path: \"\" }") ==
        "storage.path (line 1): must not be empty");
  CHECK(rejected("storage: { map_size_mb: 15 }", "storage.map_size_mb"));
  CHECK(accepted("storage: { map_size_mb: 16 }"));
  CHECK(accepted("storage: { map_size_mb: 1048576 }"));
  CHECK(rejected("storage: { map_size_mb: 1048577 }", "storage.map_size_mb"));
  CHECK(
      rejected("storage: { max_map_size_mb: 15 }", "storage.max_map_size_mb"));
  CHECK(accepted("storage: { max_map_size_mb: 16777216 }"));
  CHECK(rejected("storage: { max_map_size_mb: 16777217 }",
                 "storage.max_map_size_mb"));
  CHECK(accepted("storage: { retention_s: 0 }"));
  CHECK(rejected("storage: { retention_s: -1 }", "storage.retention_s"));
  CHECK(rejected("storage: { purge_batch: 0 }", "storage.purge_batch"));
  CHECK(accepted("storage: { purge_batch: 100000 }"));
  CHECK(rejected("storage: { purge_batch: 100001 }", "storage.purge_batch"));
  CHECK(rejected("storage: { max_batch: 0 }", "storage.max_batch"));
  CHECK(accepted("storage: { max_batch: 64 }"));
}

TEST_CASE("storage.write_path and its checkpoint keys") {
  CHECK(parse("").storage.write_path == "lmdb");
  CHECK(parse("storage: { write_path: log }").storage.write_path == "log");
  CHECK(accepted("storage: { write_path: lmdb }"));
  CHECK(error_of("storage: { write_path: wal }") ==
        "storage.write_path (line 1): unknown write path \"wal\"; known "
        "write paths: lmdb, log");
  CHECK(rejected("storage: { checkpoint_interval_ms: 9 }",
                 "storage.checkpoint_interval_ms"));
  CHECK(accepted("storage: { checkpoint_interval_ms: 10 }"));
  CHECK(accepted("storage: { checkpoint_interval_ms: 600000 }"));
  CHECK(rejected("storage: { checkpoint_interval_ms: 600001 }",
                 "storage.checkpoint_interval_ms"));
  CHECK(rejected("storage: { checkpoint_records: 99 }",
                 "storage.checkpoint_records"));
  CHECK(accepted("storage: { checkpoint_records: 10000000 }"));
  CHECK(rejected("storage: { checkpoint_records: 10000001 }",
                 "storage.checkpoint_records"));
  CHECK(rejected("storage: { checkpoint_log_mb: 0 }",
                 "storage.checkpoint_log_mb"));
  CHECK(accepted("storage: { checkpoint_log_mb: 65536 }"));
  CHECK(rejected("storage: { checkpoint_log_mb: 65537 }",
                 "storage.checkpoint_log_mb"));
}

TEST_CASE("chain") {
  CHECK(error_of("chain: { kind: near }") ==
        "chain.kind (line 1): unknown chain kind \"near\"; known chain "
        "kinds: simulated");
  CHECK(
      error_of("chain: { kind: simulatd }").find("did you mean `simulated`") !=
      std::string::npos);
  CHECK(accepted("chain: { simulated: { latency_ms: 600000 } }"));
  CHECK(error_of("chain: { simulated: { latency_ms: 600001 } }") ==
        "chain.simulated.latency_ms (line 1): must be at most 600000, got "
        "600001");
  for (const char* key : {"failure_rate", "revert_rate"}) {
    CAPTURE(key);
    const std::string head = std::string{"chain: { simulated: { "} + key;
    const std::string path = std::string{"chain.simulated."} + key;
    CHECK(accepted(head + ": 0 } }"));
    CHECK(accepted(head + ": 1 } }"));
    CHECK(accepted(head + ": 0.25 } }"));
    CHECK(rejected(head + ": 1.01 } }", path));
    CHECK(rejected(head + ": -0.1 } }", path));
  }
  CHECK(accepted("chain: { simulated: { journal: lmdb } }"));
  CHECK(accepted("chain: { simulated: { journal: log } }"));
  CHECK(error_of("chain: { simulated: { journal: wal } }") ==
        "chain.simulated.journal (line 1): unknown journal kind \"wal\"; "
        "known journal kinds: lmdb, log");
  // The chain log's bound, a multiple of its checkpoint thresholds: at
  // least twice, so that a checkpoint that is only slow refuses nothing.
  CHECK(accepted("chain: { simulated: { journal_refuse_factor: 2 } }"));
  CHECK(accepted("chain: { simulated: { journal_refuse_factor: 64 } }"));
  CHECK(error_of("chain: { simulated: { journal_refuse_factor: 1 } }") ==
        "chain.simulated.journal_refuse_factor (line 1): must be between 2 "
        "and 64, got 1");
  for (const char* bad : {"0", "65", "-4", "2.5", "four"}) {
    CAPTURE(bad);
    CHECK(
        rejected(std::string{"chain: { simulated: { journal_refuse_factor: "} +
                     bad + " } }",
                 "chain.simulated.journal_refuse_factor"));
  }
  CHECK(accepted("chain: { simulated: { initial_balance: 5 } }"));
  for (const char* bad : {"0", "-5", "1.5", "1e6", "", "12a", "+3"}) {
    CAPTURE(bad);
    CHECK(rejected(std::string{"chain: { simulated: { initial_balance: \""} +
                       bad + "\" } }",
                   "chain.simulated.initial_balance"));
  }
}

TEST_CASE("solvers") {
  CHECK(rejected("solvers: { count: 0 }", "solvers.count"));
  CHECK(accepted("solvers: { count: 64 }"));
  CHECK(rejected("solvers: { count: 65 }", "solvers.count"));
  CHECK(rejected("solvers: { retry: { max_attempts: 0 } }",
                 "solvers.retry.max_attempts"));
  CHECK(accepted("solvers: { retry: { max_attempts: 100 } }"));
  CHECK(rejected("solvers: { retry: { max_attempts: 101 } }",
                 "solvers.retry.max_attempts"));
  CHECK(error_of("solvers:\n  retry:\n    max_delay_ms: 500\n") ==
        "solvers.retry.max_delay_ms (line 3): base_delay_ms (1000) must "
        "not exceed max_delay_ms (500)");
  CHECK(error_of("solvers:\n  retry:\n    max_delay_ms: 500\n"
                 "    base_delay_ms: 600\n")
            .rfind("solvers.retry.base_delay_ms (line 4): ", 0) == 0);
  CHECK(
      rejected("solvers: { retry: { jitter: 1.5 } }", "solvers.retry.jitter"));
  CHECK(accepted("solvers: { retry: { jitter: 0 } }"));
  CHECK(rejected("solvers: { failover_after: 0 }", "solvers.failover_after"));
}

TEST_CASE("validation, intents and logging") {
  CHECK(rejected("validation: { max_amount: \"0\" }", "validation.max_amount"));
  CHECK(rejected("validation: { max_amount: 1.5 }", "validation.max_amount"));
  CHECK(accepted("validation: { max_amount: 99999999999999999999999 }"));
  CHECK(error_of("validation: { max_lifetime_s: 100 }") ==
        "validation.max_lifetime_s (line 1): default_lifetime_s (3600) "
        "must not exceed max_lifetime_s (100)");
  CHECK(accepted("validation: { max_lifetime_s: 100, default_lifetime_s: 100 "
                 "}"));
  CHECK(
      rejected("validation: { max_id_length: 0 }", "validation.max_id_length"));
  CHECK(rejected("validation: { max_id_length: 129 }",
                 "validation.max_id_length"));
  CHECK(rejected("intents: { max_live: 0 }", "intents.max_live"));
  CHECK(accepted("intents: { restart_limit: 0 }"));
  for (const char* level : {"trace", "debug", "info", "warn", "error", "off"})
    CHECK(accepted(std::string{"logging: { level: "} + level + " }"));
  CHECK(error_of("logging: { level: warning }") ==
        "logging.level (line 1): unknown logging level \"warning\"; did "
        "you mean `warn`? known logging levels: trace, debug, info, warn, "
        "error, off");
  CHECK(accepted("logging: { format: json }"));
  CHECK(rejected("logging: { format: xml }", "logging.format"));
}

TEST_CASE("notifier") {
  CHECK(accepted("notifier: { max_subscriptions_per_connection: 1, "
                 "max_queued_messages: 1, ping_interval_ms: 100, "
                 "max_message_bytes: 256, send_buffer_bytes: 0 }"));
  CHECK(rejected("notifier: { max_subscriptions_per_connection: 0 }",
                 "notifier.max_subscriptions_per_connection"));
  CHECK(rejected("notifier: { max_queued_messages: 0 }",
                 "notifier.max_queued_messages"));
  CHECK(rejected("notifier: { ping_interval_ms: 99 }",
                 "notifier.ping_interval_ms"));
  CHECK(rejected("notifier: { max_message_bytes: 100 }",
                 "notifier.max_message_bytes"));
  CHECK(error_of("notifier: { max_queued: 5 }")
            .rfind("notifier.max_queued (line 1): unknown key; did you mean "
                   "`max_queued_messages`?",
                   0) == 0);
}

TEST_CASE("tokens replace the default list") {
  const config c = parse(R"(tokens:
  - id: a.near
    decimals: 0
  - id: b.near
    decimals: 18
    price: 0.25
)");
  REQUIRE(c.tokens.size() == 2);
  CHECK(c.tokens[0].id == "a.near");
  CHECK(c.tokens[0].decimals == 0);
  CHECK(c.tokens[0].price == "1");
  CHECK(c.tokens[1].id == "b.near");
  CHECK(c.tokens[1].decimals == 18);
  CHECK(c.tokens[1].price == "0.25");
}

TEST_CASE("token rules") {
  CHECK(error_of("tokens:\n  - { id: a, decimals: 1 }\n  - { id: b, decimals: "
                 "2 }\n  - { id: a, decimals: 3 }\n") ==
        "tokens[2].id (line 4): duplicate token id \"a\" (first given on "
        "line 2)");
  CHECK(error_of("tokens: []") == "tokens (line 1): must list at least one "
                                  "token");
  CHECK(rejected("tokens: {}", "tokens"));
  CHECK(rejected("tokens: usdc", "tokens"));
  CHECK(rejected("tokens:\n  - usdc\n", "tokens[0]"));
  CHECK(error_of("tokens:\n  - { decimals: 6 }\n") ==
        "tokens[0] (line 2): missing required key `id`");
  CHECK(error_of("tokens:\n  - { id: x }\n") ==
        "tokens[0] (line 2): missing required key `decimals`");
  CHECK(error_of("tokens:\n  - { id: \"\", decimals: 6 }\n") ==
        "tokens[0].id (line 2): must not be empty");
  CHECK(
      rejected("tokens:\n  - { id: x, decimals: 25 }\n", "tokens[0].decimals"));
  CHECK(accepted("tokens:\n  - { id: x, decimals: 24 }\n"));
  for (const char* bad :
       {"0", "0.0", "-1", "1e3", ".5", "5.", "1/2", "", "x"}) {
    CAPTURE(bad);
    CHECK(rejected(std::string{"tokens:\n  - { id: x, decimals: 6, price: \""} +
                       bad + "\" }\n",
                   "tokens[0].price"));
  }
  CHECK(accepted("tokens:\n  - { id: x, decimals: 6, price: \"0.000001\" }\n"));
}

TEST_CASE("engine.scheduler_threads") {
  CHECK(accepted("engine: { scheduler_threads: 0 }"));
  CHECK(accepted("engine: { scheduler_threads: 64 }"));
  CHECK(rejected("engine: { scheduler_threads: 65 }",
                 "engine.scheduler_threads"));
  CHECK(rejected("engine: { scheduler_threads: -1 }",
                 "engine.scheduler_threads"));
  CHECK(parse("engine: { scheduler_threads: 3 }").engine.scheduler_threads ==
        3);
  CHECK(config{}.engine.scheduler_threads == 0);
}
