#include <doctest/doctest.h>

#include <set>

#include "e2e_daemon.hpp"
#include "http_client.hpp"
#include "runtime/model/time.hpp"

using namespace intentd;
using namespace intentd::test;
using json = nlohmann::json;

namespace {

/// intentd as a user runs it: the real engine and gateway on loopback port 0
/// with storage in a temp directory.
struct live_daemon : e2e_daemon {
  explicit live_daemon(const temp_dir& dir, uint32_t latency_ms = 5,
                       double revert_rate = 0.0, double failure_rate = 0.0) {
    config = e2e_config(dir, latency_ms);
    config.chain.simulated.revert_rate = revert_rate;
    config.chain.simulated.failure_rate = failure_rate;
    start();
  }
};

std::string in_minutes(int minutes) {
  return format_rfc3339(wall_clock_now() + time_us{minutes} * 60'000'000);
}

json swap(const std::string& id, const std::string& user = "alice.near") {
  return {{"id", id},
          {"user_account", user},
          {"action", "swap"},
          {"input_token", "usdc.near"},
          {"input_amount", "100"},
          {"output_token", "wrap.near"},
          {"min_output_amount", "0.05"},
          {"expires_at", in_minutes(10)}};
}

json transfer(const std::string& id) {
  return {{"id", id},
          {"user_account", "carol.near"},
          {"action", "transfer"},
          {"input_token", "usdt.near"},
          {"input_amount", "12.5"},
          {"recipient", "dave.near"}};
}

json stake(const std::string& id) {
  return {{"id", id},
          {"user_account", "erin.near"},
          {"action", "stake"},
          {"input_token", "wrap.near"},
          {"input_amount", "1.000000000000000000000001"},
          {"recipient", "pool.poolv1.near"}};
}

} // namespace

TEST_CASE("mixed intents submitted over HTTP all complete") {
  temp_dir dir;
  live_daemon d{dir};
  std::vector<std::string> ids;
  json first;
  for (int i = 0; i < 30; ++i) {
    auto id = "mix-" + std::to_string(i);
    auto body = i % 3 == 0 ? swap(id) : i % 3 == 1 ? transfer(id) : stake(id);
    if (i == 0)
      first = body;
    auto res = d.post("/api/v1/intents", body);
    REQUIRE(res.status == 202);
    CHECK(res.json()["status"] == "pending");
    ids.push_back(id);
  }
  for (auto& id : ids) {
    auto rec = d.wait_for(id, "completed");
    auto& history = rec["history"];
    REQUIRE(history.size() == 4);
    CHECK(history[0]["status"] == "pending");
    CHECK(history[3]["status"] == "completed");
    CHECK(rec["execution"]["solver_id"].is_string());
    REQUIRE(rec["execution"]["transactions"].size() == 1);
    auto hash = rec["execution"]["transactions"][0]["hash"].get<std::string>();
    CHECK(d.get("/api/v1/intents/by-tx/" + hash).json()["id"] == id);
  }
  CHECK(d.get("/api/v1/intents/mix-0").json()["execution"]["output_amount"] ==
        "20");
  auto solvers = d.get("/api/v1/solvers").json()["solvers"];
  uint64_t successes = 0;
  for (auto& s : solvers)
    successes += s["successes"].get<uint64_t>();
  CHECK(successes == 30);
  // The same body again is answered with the record, another body is 409.
  auto again = d.post("/api/v1/intents", first);
  CHECK(again.status == 200);
  CHECK(again.json()["status"] == "completed");
  auto other = first;
  other["input_amount"] = "101";
  CHECK(d.post("/api/v1/intents", other).status == 409);
}

TEST_CASE("listing pages by user and status with a cursor") {
  temp_dir dir;
  live_daemon d{dir};
  for (int i = 0; i < 7; ++i)
    REQUIRE(
        d.post("/api/v1/intents", swap("pg-" + std::to_string(i), "paula.near"))
            .status == 202);
  REQUIRE(d.post("/api/v1/intents", swap("other", "otto.near")).status == 202);
  for (int i = 0; i < 7; ++i)
    d.wait_for("pg-" + std::to_string(i), "completed");
  std::set<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    auto target = "/api/v1/intents?user=paula.near&status=completed&limit=3";
    auto res = d.get(cursor.empty() ? target : target + ("&cursor=" + cursor));
    REQUIRE(res.status == 200);
    auto body = res.json();
    for (auto& item : body["items"]) {
      CHECK(item["user_account"] == "paula.near");
      seen.insert(item["id"].get<std::string>());
    }
    if (body["next_cursor"].is_null())
      break;
    cursor = body["next_cursor"].get<std::string>();
  }
  CHECK(seen.size() == 7);
}

TEST_CASE("an invalid submission is refused and leaves no record") {
  temp_dir dir;
  live_daemon d{dir};
  auto body = swap("bad");
  body["input_amount"] = "1e5";
  body["output_token"] = "usdc.near";
  auto res = d.post("/api/v1/intents", body);
  REQUIRE(res.status == 400);
  auto err = res.json()["error"];
  CHECK(err["code"] == "invalid_intent");
  CHECK(err["details"].size() == 2);
  CHECK(d.get("/api/v1/intents/bad").status == 404);
}

TEST_CASE("reverted intents land in the dead letters and run again on retry") {
  temp_dir dir;
  {
    live_daemon d{dir, 5, 1.0};
    REQUIRE(d.post("/api/v1/intents", swap("rv-1")).status == 202);
    auto rec = d.wait_for("rv-1", "failed");
    CHECK(rec["error"]["code"] == "reverted");
    auto dead = d.get("/api/v1/dead-letters").json()["items"];
    REQUIRE(dead.size() == 1);
    CHECK(dead[0]["id"] == "rv-1");
  }
  // The chain heals; the dead letter is sent back and completes.
  live_daemon d{dir, 5, 0.0};
  // Solver counters survived the restart.
  uint64_t failures = 0;
  auto solvers = d.get("/api/v1/solvers").json();
  for (auto& s : solvers["solvers"])
    failures += s["failures"].get<uint64_t>();
  CHECK(failures == 1);
  auto res = d.post("/api/v1/dead-letters/rv-1/retry", json::object());
  REQUIRE(res.status == 200);
  auto rec = d.wait_for("rv-1", "completed");
  CHECK(rec["history"].size() == 8);
  CHECK(d.get("/api/v1/dead-letters").json()["items"].empty());
  CHECK(d.post("/api/v1/dead-letters/rv-1/retry", json::object()).status ==
        409);
}

TEST_CASE("a dead letter is purged for good, other intents are not") {
  temp_dir dir;
  live_daemon d{dir, 5, 1.0};
  REQUIRE(d.post("/api/v1/intents", swap("gone")).status == 202);
  d.wait_for("gone", "failed");
  auto res = request(d.port, verb::delete_, "/api/v1/dead-letters/gone");
  REQUIRE(res.status == 200);
  CHECK(res.json()["id"] == "gone");
  // This node forgot it; the status read falls back to the chain, which
  // still knows the reverted execution.
  auto after = d.get("/api/v1/intents/gone");
  CHECK(after.status == 200);
  CHECK(after.json()["status"] == "failed");
  CHECK(after.json()["status_message"].get<std::string>().find(
            "holds no record") != std::string::npos);
  CHECK(d.get("/api/v1/dead-letters").json()["items"].empty());
  CHECK(request(d.port, verb::delete_, "/api/v1/dead-letters/gone").status ==
        404);
}

TEST_CASE("an in-flight intent survives a restart and completes once") {
  temp_dir dir;
  {
    live_daemon d{dir, 2'000};
    REQUIRE(d.post("/api/v1/intents", swap("keep")).status == 202);
    REQUIRE(d.post("/api/v1/intents", transfer("drop")).status == 202);
    auto res = d.post("/api/v1/intents/drop/cancel", json::object());
    REQUIRE(res.status == 200);
    CHECK(res.json()["status"] == "cancelled");
    CHECK(d.post("/api/v1/intents/drop/cancel", json::object()).status == 409);
  }
  live_daemon d{dir, 5};
  CHECK(d.get("/readyz").status == 200);
  auto rec = d.wait_for("keep", "completed");
  CHECK(rec["execution"]["transactions"].size() == 1);
  CHECK(d.get("/api/v1/intents/drop").json()["status"] == "cancelled");
}

TEST_CASE("a deadline shorter than the chain's latency expires the intent") {
  temp_dir dir;
  live_daemon d{dir, 5'000};
  auto body = swap("late");
  body["expires_at"] = format_rfc3339(wall_clock_now() + 1'000'000);
  REQUIRE(d.post("/api/v1/intents", body).status == 202);
  auto rec = d.wait_for("late", "expired");
  CHECK(rec["status_message"].get<std::string>().find("expired") !=
        std::string::npos);
}

namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

} // namespace

TEST_CASE("metrics follow intents to the end and status counts survive a "
          "restart") {
  temp_dir dir;
  live_daemon d{dir};
  auto first = swap("m-1");
  REQUIRE(d.post("/api/v1/intents", first).status == 202);
  REQUIRE(d.post("/api/v1/intents", transfer("m-2")).status == 202);
  REQUIRE(d.post("/api/v1/intents", stake("m-3")).status == 202);
  CHECK(d.post("/api/v1/intents", first).status == 200);
  for (auto id : {"m-1", "m-2", "m-3"})
    d.wait_for(id, "completed");

  auto m = d.get("/metrics");
  REQUIRE(m.status == 200);
  auto& text = m.body;
  CHECK(has_line(text, "intents_submitted_total{type=\"swap\",status="
                       "\"accepted\"} 1"));
  CHECK(has_line(text, "intents_submitted_total{type=\"swap\",status="
                       "\"duplicate\"} 1"));
  for (auto a : {"swap", "transfer", "stake"}) {
    CHECK(has_line(text, std::string{"intents_processed_total{action_type=\""} +
                             a + "\",status=\"completed\"} 1"));
    CHECK(has_line(text, std::string{"intent_resolution_time_seconds_count{"
                                     "type=\""} +
                             a + "\"} 1"));
    CHECK(has_line(text, std::string{"intent_processing_time_seconds_count{"
                                     "action=\""} +
                             a + "\"} 1"));
    CHECK(has_line(text, std::string{"intent_gas_used_count{action=\""} + a +
                             "\"} 1"));
  }
  CHECK(has_line(text, "intents_by_status{status=\"completed\"} 3"));
  CHECK(has_line(text, "intents_by_status{status=\"pending\"} 0"));
  CHECK(has_line(text, "dead_letters 0"));
  CHECK(text.find("solver_execution_duration_seconds_count{solver_id=") !=
        std::string::npos);
  CHECK(text.find("solver_success_rate{solver_id=\"solver-1\"}") !=
        std::string::npos);
  CHECK(text.find("http_requests_total{method=\"GET\",route=\"/api/v1/"
                  "intents/{id}\",code=\"200\"}") != std::string::npos);
  CHECK(text.find("storage_commit_batch_size_count 0\n") == std::string::npos);
  CHECK(text.find("m-1") == std::string::npos);

  auto ready = d.get("/readyz").json();
  CHECK(ready["status"] == "ready");
  for (auto check : {"storage", "recovery", "chain"})
    CHECK(ready["checks"][check]["ok"] == true);

  d.stop();
  d.start();
  CHECK(has_line(d.get("/metrics").body,
                 "intents_by_status{status=\"completed\"} 3"));
}
