#include <doctest/doctest.h>

#include <memory>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "actors/intent_log.hpp"
#include "runtime/daemon/logging.hpp"

using namespace intentd;

namespace {

/// Routes spdlog's default logger into a string while it lives.
struct captured_log {
  std::ostringstream out;
  std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();

  explicit captured_log(bool json) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
    auto logger = std::make_shared<spdlog::logger>("test", sink);
    logger->set_level(spdlog::level::debug);
    if (json)
      logger->set_formatter(make_json_formatter());
    else
      logger->set_pattern("%l %v");
    spdlog::set_default_logger(logger);
  }
  ~captured_log() { spdlog::set_default_logger(previous); }

  nlohmann::json line() const { return nlohmann::json::parse(out.str()); }
};

intent_record executing_swap() {
  intent_record rec;
  rec.request.id = "i-42";
  rec.request.user_account = "alice.near";
  rec.status = intent_status::executing;
  rec.execution.solver_id = "solver-2";
  return rec;
}

} // namespace

TEST_CASE("JSON lines about an intent carry its id, user, status and solver") {
  captured_log log{true};
  auto rec = executing_swap();
  log_intent(spdlog::level::warn, log_fields(rec), "intent {} failed: {}",
             rec.request.id, "reverted");
  auto j = log.line();
  CHECK(j["msg"] == "intent i-42 failed: reverted");
  CHECK(j["level"] == "warning");
  CHECK(j["intent_id"] == "i-42");
  CHECK(j["user"] == "alice.near");
  CHECK(j["status"] == "executing");
  CHECK(j["solver"] == "solver-2");
}

TEST_CASE("an intent without a solver logs solver as null") {
  captured_log log{true};
  intent in;
  in.id = "i-7";
  in.user_account = "bob.near";
  log_intent(spdlog::level::info, log_fields(in, "pending"), "intent {}",
             in.id);
  auto j = log.line();
  CHECK(j["status"] == "pending");
  CHECK(j["solver"].is_null());
}

TEST_CASE("other lines carry no intent fields, even right after one") {
  captured_log log{true};
  log_intent(spdlog::level::info, log_fields(executing_swap()), "about i-42");
  log.out.str("");
  spdlog::info("recovered {} live intents", 3);
  auto j = log.line();
  CHECK(j["msg"] == "recovered 3 live intents");
  CHECK_FALSE(j.contains("intent_id"));
}

TEST_CASE("text mode keeps the readable message") {
  captured_log log{false};
  log_intent(spdlog::level::warn, log_fields(executing_swap()),
             "intent {} failed", "i-42");
  CHECK(log.out.str() == "warning intent i-42 failed\n");
}

TEST_CASE("a disabled level formats nothing") {
  captured_log log{true};
  spdlog::default_logger()->set_level(spdlog::level::warn);
  log_intent(spdlog::level::debug, log_fields(executing_swap()), "quiet");
  CHECK(log.out.str().empty());
}
