#pragma once

#include <cstdint>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "http_client.hpp"
#include "loopback_daemon.hpp"

namespace intentd::test {

/// loopback_config(dir, latency_ms) for an end-to-end test: solver retries
/// 10 to 50 ms apart, at most 10, and no rate limits (every request comes
/// from 127.0.0.1).
inline cfg::config e2e_config(const temp_dir& dir, uint32_t latency_ms) {
  auto config = loopback_config(dir, latency_ms);
  config.solvers.retry.base_delay_ms = 10;
  config.solvers.retry.max_delay_ms = 50;
  config.solvers.retry.max_attempts = 10;
  config.rate_limits.enabled = false;
  return config;
}

/// A loopback daemon read and written over HTTP with JSON bodies.
struct e2e_daemon : loopback_daemon {
  http_response post(const std::string& target, const nlohmann::json& body) {
    return request(port, verb::post, target, body.dump());
  }

  http_response get(const std::string& target) {
    return request(port, verb::get, target);
  }

  /// Polls an intent until it reaches `status`; fails the test when 20 s
  /// pass first.
  nlohmann::json wait_for(const std::string& id, const std::string& status) {
    nlohmann::json rec;
    bool reached = eventually([&] {
      rec = get("/api/v1/intents/" + id).json();
      return rec.value("status", "") == status;
    });
    if (!reached)
      FAIL("intent " << id << " stuck in " << rec.value("status", "?"));
    return rec;
  }
};

} // namespace intentd::test
