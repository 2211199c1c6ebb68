// The simulated chain's logged journal in /metrics and /readyz: its
// checkpoints counted, and the chain check failing while they fail in a
// row, ready again after one succeeds.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "e2e_daemon.hpp"
#include "http_client.hpp"
#include "runtime/engine/metrics_wiring.hpp"

using namespace intentd;
using namespace intentd::test;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

/// The real engine and gateway with `chain.simulated.journal: log`,
/// checkpointing whatever a block logged (at most one checkpoint at a
/// time), its checkpoints failing while `failing`.
struct chain_log_daemon : e2e_daemon {
  std::shared_ptr<std::atomic<bool>> failing =
      std::make_shared<std::atomic<bool>>(false);

  explicit chain_log_daemon(const temp_dir& dir) {
    config = e2e_config(dir, 5);
    config.chain.simulated.journal = "log";
    auto s = settings_of(config, settings_scope::engine);
    auto& o = s.chain_journal_checkpoints;
    o.checkpoint_interval = 10ms;
    o.checkpoint_entries = 1;
    o.checkpoint_retry_max = 20ms;
    o.checkpoint_fault = [f = failing]() -> std::optional<problem> {
      if (!*f)
        return std::nullopt;
      return problem{errc::storage_unavailable, "map full", {}};
    };
    eng = engine_core::start(config, s);
    server = std::make_unique<http_server>(*eng, settings_of(config));
    server->start();
    port = server->port();
    REQUIRE(eventually([&] { return get("/readyz").status == 200; }));
  }

  /// The value of an unlabelled series in /metrics; -1 when absent.
  double metric(const std::string& name) {
    auto text = get("/metrics").body;
    auto at = text.find("\n" + name + " ");
    if (at == std::string::npos)
      return -1;
    return std::stod(text.substr(at + name.size() + 2));
  }

  json chain_check() { return get("/readyz").json()["checks"]["chain"]; }

  void transfer(const std::string& id) {
    json body{{"id", id},
              {"user_account", "carol.near"},
              {"action", "transfer"},
              {"input_token", "usdt.near"},
              {"input_amount", "1.5"},
              {"recipient", "dave.near"}};
    REQUIRE(post("/api/v1/intents", body).status == 202);
    wait_for(id, "completed");
  }
};

} // namespace

TEST_CASE("the chain check fails while the chain journal's checkpoints "
          "fail in a row") {
  chain_journal_monitor journal;
  CHECK(chain_check("the chain", nullptr).ok);
  CHECK(chain_check("the chain", &journal).ok);
  journal.checkpoints.failed(
      problem{errc::storage_unavailable, "map full", {}});
  journal.checkpoints.failed(
      problem{errc::storage_unavailable, "map full", {}});
  auto failing = chain_check("the chain", &journal);
  CHECK(failing.name == "chain");
  CHECK_FALSE(failing.ok);
  CHECK(failing.detail.find("2 checkpoints of its journal's log into LMDB "
                            "failed in a row (map full)") != std::string::npos);
  CHECK(failing.detail.find("refused") == std::string::npos);
  journal.refusing = true;
  journal.overlay_entries = 7;
  journal.frozen_entries = 5;
  CHECK(chain_check("the chain", &journal)
            .detail.find("12 events wait for a checkpoint") !=
        std::string::npos);
  // Failures before the last success leave the check passing.
  journal.refusing = false;
  journal.checkpoints.succeeded();
  CHECK(chain_check("the chain", &journal).ok);
}

TEST_CASE("journal log: the chain's checkpoints in /metrics, and /readyz "
          "failing while they fail") {
  temp_dir dir;
  chain_log_daemon d{dir};
  // Every family from the start.
  CHECK(d.metric("chain_journal_checkpoint_failures_total") == 0);
  CHECK(d.metric("chain_journal_refused_total") == 0);
  CHECK(d.metric("chain_journal_overlay_entries") >= 0);
  CHECK(d.chain_check()["ok"] == true);

  d.transfer("ch-1");
  CHECK(d.metric("chain_journal_log_bytes_total") > 0);
  CHECK(loopback_daemon::eventually(
      [&] { return d.metric("chain_journal_checkpoints_total") >= 1; }));

  *d.failing = true;
  d.transfer("ch-2");
  CHECK(loopback_daemon::eventually([&] {
    return d.metric("chain_journal_checkpoint_failures_total") >= 2;
  }));
  auto check = d.chain_check();
  CHECK(check["ok"] == false);
  CHECK(check["detail"].get<std::string>().find(
            "checkpoints of its journal's log into LMDB failed in a row "
            "(map full)") != std::string::npos);
  CHECK(d.get("/readyz").status == 503);
  CHECK(d.metric("chain_journal_overlay_entries") > 0);

  *d.failing = false;
  CHECK(loopback_daemon::eventually(
      [&] { return d.get("/readyz").status == 200; }));
  CHECK(d.chain_check()["ok"] == true);
  CHECK(d.metric("chain_journal_checkpoints_total") >= 2);
}
