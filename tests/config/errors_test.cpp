#include <doctest/doctest.h>

#include <string>

#include "config/load.hpp"
#include "parse_error.hpp"

using namespace intentd::cfg;
using intentd::cfg::test::error_of;

TEST_CASE("an unknown top-level key names itself, its line and the sections") {
  const auto e = error_of("server:\n  threads: 2\nstorge:\n  path: x\n");
  CHECK(e.rfind("storge (line 3): unknown key; did you mean `storage`?", 0) ==
        0);
  CHECK(e.find("valid keys: server, storage, chain, solvers, tokens, "
               "validation, intents, notifier, rate_limits, cache, logging") !=
        std::string::npos);
}

TEST_CASE("an unknown nested key gives its full path and a suggestion") {
  const auto e = error_of(R"(chain:
  kind: simulated
  simulated:
    latency_ms: 20
    failure_rate: 0.0

    latncy_ms: 7
)");
  CHECK(e.rfind("chain.simulated.latncy_ms (line 7): unknown key; did you "
                "mean `latency_ms`? valid keys: latency_ms, failure_rate, "
                "revert_rate, seed, initial_balance, gas_per_execution, "
                "gas_price",
                0) == 0);
}

TEST_CASE("unknown keys at other depths") {
  CHECK(error_of("server:\n  thread: 4\n")
            .rfind("server.thread (line 2): unknown key; did you mean "
                   "`threads`?",
                   0) == 0);
  CHECK(error_of("solvers:\n  retry:\n    max_attempt: 3\n")
            .rfind("solvers.retry.max_attempt (line 3): unknown key; did you "
                   "mean `max_attempts`?",
                   0) == 0);
  CHECK(error_of("tokens:\n  - id: a\n    decimals: 2\n  - id: b\n    "
                 "decimal: 2\n")
            .rfind("tokens[1].decimal (line 5): unknown key; did you mean "
                   "`decimals`?",
                   0) == 0);
  CHECK(error_of("logging: { LEVEL: info }")
            .rfind("logging.LEVEL (line 1): unknown key; did you mean `level`?",
                   0) == 0);
}

TEST_CASE("an unknown key far from every valid one gets no suggestion") {
  const auto e = error_of("storage:\n  compression: zstd\n");
  CHECK(e == "storage.compression (line 2): unknown key; valid keys: path, "
             "sync, map_size_mb, max_map_size_mb, retention_s, purge_batch, "
             "max_batch, max_wait_us, write_path, checkpoint_interval_ms, "
             "checkpoint_records, checkpoint_log_mb");
}

TEST_CASE("a duplicate key fails") {
  CHECK(error_of("server:\n  threads: 2\n  threads: 3\n") ==
        "server.threads (line 3): duplicate key (first given on line 2)");
}

TEST_CASE("wrong types name the path, line and expected type") {
  CHECK(error_of("server:\n  listen: \"0.0.0.0:1\"\n  threads: two\n") ==
        "server.threads (line 3): expected an unsigned integer, got "
        "\"two\"");
  CHECK(error_of("server: { threads: 2.5 }") ==
        "server.threads (line 1): expected an unsigned integer, got "
        "\"2.5\"");
  CHECK(error_of("server: { threads: -1 }") ==
        "server.threads (line 1): expected an unsigned integer, got "
        "\"-1\"");
  CHECK(error_of("server: { threads: \"4\" }")
            .find("expected an unsigned integer, got \"4\" (a quoted string") !=
        std::string::npos);
  CHECK(error_of("server: { threads: }") ==
        "server.threads (line 1): expected an unsigned integer, got "
        "nothing");
  CHECK(error_of("server: { threads: [1] }") ==
        "server.threads (line 1): expected an unsigned integer, got a "
        "sequence");
  CHECK(error_of("storage: { sync: yes }") ==
        "storage.sync (line 1): expected true or false, got \"yes\"");
  CHECK(error_of("storage: { sync: True }") ==
        "storage.sync (line 1): expected true or false, got \"True\"");
  CHECK(error_of("storage: { sync: 1 }") ==
        "storage.sync (line 1): expected true or false, got \"1\"");
  CHECK(error_of("chain: { simulated: { failure_rate: lots } }") ==
        "chain.simulated.failure_rate (line 1): expected a number, got "
        "\"lots\"");
  CHECK(error_of("chain: { simulated: { failure_rate: .nan } }")
            .find("expected a number") != std::string::npos);
  CHECK(error_of("storage: { path: { a: 1 } }") ==
        "storage.path (line 1): expected a string, got a map");
}

TEST_CASE("integers are parsed strictly with overflow checked") {
  CHECK(error_of("server: { max_connections: 4294967296 }") ==
        "server.max_connections (line 1): expected an unsigned integer no "
        "larger than 4294967295, got \"4294967296\"");
  CHECK(
      parse("server: { max_connections: 4294967295 }").server.max_connections ==
      4294967295u);
  CHECK(error_of("chain: { simulated: { seed: 18446744073709551616 } }")
            .find("no larger than 18446744073709551615") != std::string::npos);
  CHECK(error_of("server: { threads: 0x10 }").find("expected an unsigned") !=
        std::string::npos);
  CHECK(error_of("server: { threads: 1e1 }").find("expected an unsigned") !=
        std::string::npos);
  CHECK(error_of("server: { threads: +4 }").find("expected an unsigned") !=
        std::string::npos);
}

TEST_CASE("a section given as a scalar or a sequence fails") {
  CHECK(error_of("server: 8080\n") ==
        "server (line 1): expected a map of keys, got \"8080\"");
  CHECK(error_of("chain:\n  simulated: fast\n") ==
        "chain.simulated (line 2): expected a map of keys, got \"fast\"");
  CHECK(error_of("logging:\n  - level\n") ==
        "logging (line 1): expected a map of keys, got a sequence");
  CHECK(error_of("just text") == "config (line 1): expected a map of keys, "
                                 "got \"just text\"");
  CHECK(error_of("- a\n- b\n").find("expected a map of keys, got a sequence") !=
        std::string::npos);
}

TEST_CASE("YAML syntax errors carry the line") {
  CHECK(error_of("server:\n  threads: 2\n bad: [\n") ==
        "config (line 3, column 2): invalid YAML: end of map not found");
  const auto e = error_of("server:\n  listen: [a, b\nstorage: {}\n");
  CHECK(e.rfind("config (line ", 0) == 0);
  CHECK(e.find("invalid YAML") != std::string::npos);
}

TEST_CASE("more than one document fails") {
  CHECK(error_of("server: {}\n---\nstorage: {}\n")
            .find("expected one YAML document, found 2") != std::string::npos);
}

TEST_CASE("non-scalar keys fail") {
  CHECK(error_of("? [a, b]\n: 1\n").find("keys must be plain names") !=
        std::string::npos);
}
