#include <doctest/doctest.h>

#include <filesystem>
#include <set>

#include "e2e_daemon.hpp"
#include "http_client.hpp"
#include "persistence/intent_store.hpp"
#include "persistence/logged_store_fixture.hpp"
#include "runtime/engine/metrics_wiring.hpp"
#include "runtime/model/signing.hpp"
#include "runtime/model/time.hpp"

using namespace intentd;
using namespace intentd::test;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

/// The real engine and gateway with `storage.write_path: log`; the
/// checkpointer waits 10 minutes between checkpoints unless `eager`, so
/// that what a test reads after a restart came from the log's replay or
/// from the last checkpoint of a clean stop.
struct log_daemon : e2e_daemon {
  explicit log_daemon(const std::filesystem::path& path, double revert_rate,
                      bool eager = false) {
    temp_dir unused;
    config = e2e_config(unused, 5);
    config.storage.path = path.string();
    config.storage.write_path = "log";
    config.storage.checkpoint_interval_ms = eager ? 10 : 600'000;
    config.chain.simulated.revert_rate = revert_rate;
    start();
  }

  /// The value of an unlabelled series in /metrics; -1 when absent.
  double metric(const std::string& name) {
    auto text = get("/metrics").body;
    auto at = text.find("\n" + name + " ");
    if (at == std::string::npos)
      return -1;
    return std::stod(text.substr(at + name.size() + 2));
  }

  uint64_t solver_total(const std::string& field) {
    uint64_t n = 0;
    auto solvers = get("/api/v1/solvers").json()["solvers"];
    for (auto& s : solvers)
      n += s[field].get<uint64_t>();
    return n;
  }
};

json swap(const std::string& id) {
  return {
      {"id", id},
      {"user_account", "lena.near"},
      {"action", "swap"},
      {"input_token", "usdc.near"},
      {"input_amount", "100"},
      {"output_token", "wrap.near"},
      {"min_output_amount", "0.05"},
      {"expires_at", format_rfc3339(wall_clock_now() + time_us{600'000'000})}};
}

std::string key_hex() {
  auto keys = keys_from_seed(std::string(32, '\x07'));
  REQUIRE(keys);
  return to_hex(
      std::string_view{reinterpret_cast<const char*>(keys->public_key.data()),
                       keys->public_key.size()});
}

/// Submits `n` swaps lp-0.. and waits until each completed; the hashes of
/// their transactions.
std::vector<std::string> run_swaps(log_daemon& d, int n) {
  std::vector<std::string> hashes;
  for (int i = 0; i < n; ++i)
    REQUIRE(d.post("/api/v1/intents", swap("lp-" + std::to_string(i))).status ==
            202);
  for (int i = 0; i < n; ++i) {
    auto rec = d.wait_for("lp-" + std::to_string(i), "completed");
    hashes.push_back(
        rec["execution"]["transactions"][0]["hash"].get<std::string>());
  }
  return hashes;
}

/// Every read of the swaps run_swaps made, and the registered key; the
/// solver counters unless `counters` is false (they are saved on a timer
/// and at a clean stop: a copy taken between two saves has none).
void check_reads(log_daemon& d, const std::vector<std::string>& hashes,
                 bool counters = true) {
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    auto id = "lp-" + std::to_string(i);
    auto rec = d.get("/api/v1/intents/" + id).json();
    CHECK(rec["status"] == "completed");
    CHECK(rec["history"].size() == 4);
    CHECK(d.get("/api/v1/intents/by-tx/" + hashes[i]).json()["id"] == id);
  }
  std::set<std::string> listed;
  auto items =
      d.get("/api/v1/intents?user=lena.near&status=completed&limit=100")
          .json()["items"];
  for (auto& item : items)
    listed.insert(item["id"].get<std::string>());
  CHECK(listed.size() == hashes.size());
  if (counters)
    CHECK(d.solver_total("successes") == hashes.size());
  // Registered before: 200, not 201.
  CHECK(d.post("/api/v1/accounts/lena.near/keys", {{"public_key", key_hex()}})
            .status == 200);
  CHECK(d.metric("intents_by_status{status=\"completed\"}") ==
        static_cast<double>(hashes.size()));
}

} // namespace

TEST_CASE("write_path log: intents complete, and a clean stop checkpoints so "
          "that LMDB alone holds them") {
  temp_dir dir;
  std::vector<std::string> hashes;
  {
    log_daemon d{dir.path(), 0.0};
    hashes = run_swaps(d, 6);
    CHECK(d.post("/api/v1/accounts/lena.near/keys", {{"public_key", key_hex()}})
              .status == 201);
    check_reads(d, hashes);
    // Nothing checkpointed yet: the six intents are in the log's table.
    CHECK(d.metric("storage_log_table_entries") == 6);
    CHECK(d.metric("storage_checkpoints_total") == 0);
    CHECK(d.metric("storage_log_bytes_total") > 0);
    auto ready = d.get("/readyz").json();
    CHECK(ready["checks"]["storage"]["ok"] == true);
  }
  {
    store_options opts;
    opts.path = dir.path().string();
    opts.sync = false;
    opts.map_size = 64ull << 20;
    auto lmdb = intent_store::open(opts);
    REQUIRE(lmdb);
    auto checkpoint = lmdb->checkpoint_seq();
    REQUIRE(checkpoint);
    CHECK(checkpoint->has_value());
    for (int i = 0; i < 6; ++i) {
      auto rec = lmdb->find("lp-" + std::to_string(i));
      REQUIRE(rec);
      REQUIRE(rec->has_value());
      CHECK((*rec)->status == intent_status::completed);
    }
    auto keys = lmdb->load_account_keys();
    REQUIRE(keys);
    CHECK(keys->size() == 1);
  }
  log_daemon d{dir.path(), 0.0};
  // The last checkpoint left nothing to replay.
  CHECK(d.metric("storage_log_table_entries") == 0);
  check_reads(d, hashes);
}

TEST_CASE("write_path log: a copy taken while running (no last checkpoint) "
          "replays the log") {
  temp_dir dir;
  temp_dir copy;
  std::vector<std::string> hashes;
  {
    log_daemon d{dir.path(), 0.0};
    hashes = run_swaps(d, 5);
    CHECK(d.post("/api/v1/accounts/lena.near/keys", {{"public_key", key_hex()}})
              .status == 201);
    // Every intent ended: neither the checkpointer nor the chain writes now.
    REQUIRE(d.metric("storage_checkpoints_total") == 0);
    std::filesystem::copy(
        dir.path(), copy.path(),
        std::filesystem::copy_options::recursive |
            std::filesystem::copy_options::overwrite_existing);
  }
  log_daemon d{copy.path(), 0.0};
  // Replayed into the table: the five intents, none of them in LMDB.
  CHECK(d.metric("storage_log_table_entries") == 5);
  check_reads(d, hashes, false);
}

TEST_CASE("write_path log: the replayed table is checkpointed once recovery "
          "is done") {
  temp_dir dir;
  temp_dir copy;
  {
    log_daemon d{dir.path(), 0.0};
    run_swaps(d, 4);
    REQUIRE(d.metric("storage_checkpoints_total") == 0);
    std::filesystem::copy(
        dir.path(), copy.path(),
        std::filesystem::copy_options::recursive |
            std::filesystem::copy_options::overwrite_existing);
  }
  // Checkpoints every 10 ms, held from open until the engine recovered.
  log_daemon d{copy.path(), 0.0, true};
  REQUIRE(d.get("/readyz").status == 200);
  CHECK(d.eventually([&] {
    return d.metric("storage_checkpoints_total") >= 1 &&
           d.metric("storage_log_table_entries") == 0;
  }));
}

TEST_CASE("write_path log: dead letters, their retry and purge, and solver "
          "counters across restarts") {
  temp_dir dir;
  {
    log_daemon d{dir.path(), 1.0, true};
    REQUIRE(d.post("/api/v1/intents", swap("dl-1")).status == 202);
    REQUIRE(d.post("/api/v1/intents", swap("dl-2")).status == 202);
    d.wait_for("dl-1", "failed");
    d.wait_for("dl-2", "failed");
    CHECK(d.get("/api/v1/dead-letters").json()["items"].size() == 2);
    CHECK(d.metric("dead_letters") == 2);
    // Checkpointed while running (every 10 ms).
    CHECK(log_daemon::eventually(
        [&] { return d.metric("storage_checkpoints_total") >= 1; }));
  }
  {
    log_daemon d{dir.path(), 0.0, true};
    CHECK(d.solver_total("failures") == 2);
    auto dead = d.get("/api/v1/dead-letters").json()["items"];
    REQUIRE(dead.size() == 2);
    REQUIRE(
        request(d.port, verb::delete_, "/api/v1/dead-letters/dl-2").status ==
        200);
    REQUIRE(d.post("/api/v1/dead-letters/dl-1/retry", json::object()).status ==
            200);
    d.wait_for("dl-1", "completed");
    CHECK(d.get("/api/v1/dead-letters").json()["items"].empty());
  }
  log_daemon d{dir.path(), 0.0};
  CHECK(d.get("/api/v1/dead-letters").json()["items"].empty());
  CHECK(d.metric("dead_letters") == 0);
  CHECK(d.get("/api/v1/intents/dl-1").json()["status"] == "completed");
  CHECK(d.solver_total("failures") == 2);
  CHECK(d.solver_total("successes") == 1);
  CHECK(request(d.port, verb::delete_, "/api/v1/dead-letters/dl-2").status ==
        404);
}

namespace {

/// A record_store that holds nothing, with the log figures a test sets.
struct figures_store final : record_store {
  std::optional<write_log_figures> figures;

  bool read_only() const override { return false; }
  outcome<done> put(const std::vector<intent_record>&) override {
    return done{};
  }
  outcome<done> probe_write() override { return done{}; }
  outcome<done> put_solver_stats(const std::vector<solver_stats>&) override {
    return done{};
  }
  outcome<done> put_account_key(const std::string&,
                                const std::string&) override {
    return done{};
  }
  outcome<std::size_t> purge_terminal_before(time_us, std::size_t) override {
    return std::size_t{0};
  }
  outcome<bool> purge_dead_letter(const std::string&) override { return false; }
  outcome<std::optional<intent_record>>
  find(const std::string&) const override {
    return std::optional<intent_record>{};
  }
  outcome<std::optional<std::string>> nonce_owner(const std::string&,
                                                  uint64_t) const override {
    return std::optional<std::string>{};
  }
  outcome<std::optional<std::string>>
  find_by_tx(const std::string&) const override {
    return std::optional<std::string>{};
  }
  outcome<record_page> list(const list_query&) const override {
    return record_page{};
  }
  outcome<live_page> live_after(const std::string&,
                                std::size_t) const override {
    return live_page{};
  }
  outcome<std::vector<uint64_t>> count_by_status() const override {
    return std::vector<uint64_t>{};
  }
  outcome<std::vector<intent_record>> dead_letters(uint32_t) const override {
    return std::vector<intent_record>{};
  }
  outcome<uint64_t> dead_letter_count() const override { return uint64_t{0}; }
  outcome<std::vector<solver_stats>> load_solver_stats() const override {
    return std::vector<solver_stats>{};
  }
  outcome<std::vector<std::pair<std::string, std::string>>>
  load_account_keys() const override {
    return std::vector<std::pair<std::string, std::string>>{};
  }
  write_path path() const override { return write_path::log; }
  std::optional<write_log_figures> log_figures() const override {
    return figures;
  }
  outcome<done> close() override { return done{}; }
};

} // namespace

TEST_CASE("the storage check fails while checkpoints of the log fail in a "
          "row") {
  figures_store store;
  commit_health health;
  store.figures = write_log_figures{};
  CHECK(storage_check(&store, health, "/data").ok);
  store.figures->checkpoint_failures = 3;
  store.figures->failures_in_row = 2;
  store.figures->last_problem =
      problem{errc::storage_unavailable, "disk full", {}};
  auto failing = storage_check(&store, health, "/data");
  CHECK_FALSE(failing.ok);
  CHECK(failing.detail.find("2 checkpoints of the write log into LMDB failed "
                            "in a row (disk full)") != std::string::npos);
  // Failures before the last success leave the check passing.
  store.figures->failures_in_row = 0;
  CHECK(storage_check(&store, health, "/data").ok);
}
