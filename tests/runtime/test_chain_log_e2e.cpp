// The daemon with `chain.simulated.journal: log`: intents complete, the
// chain's executions survive restarts (clean or in flight), and a journal
// closed cleanly opens with `lmdb` again.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "http_client.hpp"
#include "loopback_daemon.hpp"
#include "persistence/chain_journal_lmdb.hpp"

using namespace intentd;
using namespace intentd::test;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

struct daemon_on : loopback_daemon {
  daemon_on(const temp_dir& dir, const std::string& journal,
            uint32_t latency_ms) {
    config = loopback_config(dir, latency_ms);
    config.chain.simulated.journal = journal;
    config.rate_limits.enabled = false;
    start();
  }

  http_response submit(const std::string& id) {
    json body{{"id", id},
              {"user_account", "carol.near"},
              {"action", "transfer"},
              {"input_token", "usdt.near"},
              {"input_amount", "1.5"},
              {"recipient", "dave.near"}};
    return request(port, verb::post, "/api/v1/intents", body.dump());
  }

  std::string status_of(const std::string& id) {
    auto res = request(port, verb::get, "/api/v1/intents/" + id);
    return res.status == 200 ? res.json().value("status", "") : "";
  }
};

} // namespace

TEST_CASE("the chain journal on its log keeps executions across restarts") {
  temp_dir dir;
  const auto chain_dir = (dir.path() / "chain").string();
  {
    daemon_on d{dir, "log", 5};
    for (int i = 0; i < 5; ++i)
      REQUIRE(d.submit("done-" + std::to_string(i)).status == 202);
    for (int i = 0; i < 5; ++i)
      CHECK(loopback_daemon::eventually([&] {
        return d.status_of("done-" + std::to_string(i)) == "completed";
      }));
  }
  CHECK(std::filesystem::exists(dir.path() / "chain" / "wal"));
  {
    // Stopped while the chain takes 2 s a block: the intent is in flight.
    daemon_on d{dir, "log", 2'000};
    REQUIRE(d.submit("in-flight").status == 202);
  }
  {
    daemon_on d{dir, "log", 5};
    CHECK(loopback_daemon::eventually(
        [&] { return d.status_of("in-flight") == "completed"; }));
  }
  auto counts = read_chain_executions(chain_dir);
  REQUIRE(counts);
  CHECK(counts->size() == 6);
  for (const auto& [id, n] : *counts) {
    CAPTURE(id);
    CHECK(n == 1);
  }
  // Stopped cleanly, the log is checkpointed: the LMDB journal opens it.
  daemon_on d{dir, "lmdb", 5};
  CHECK(d.status_of("in-flight") == "completed");
  CHECK(d.status_of("done-4") == "completed");
}
