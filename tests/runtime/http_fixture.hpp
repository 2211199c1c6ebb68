#pragma once

#include <chrono>
#include <set>
#include <string>

#include "runtime/engine/component_settings.hpp"
#include "runtime/http/server.hpp"
#include "tests/runtime/fake_engine.hpp"
#include "tests/runtime/http_client.hpp"

namespace intentd::test {

using namespace std::chrono_literals;

inline cfg::config test_config() {
  cfg::config c;
  c.server.body_limit = 2048;
  return c;
}

inline http_options test_options() {
  http_options o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.threads = 2;
  o.body_limit = 2048;
  o.read_timeout = 200ms;
  o.idle_timeout = 5s;
  o.request_timeout = 3s;
  return o;
}

/// The settings of `c` with `o` as the HTTP options.
inline component_settings test_settings(const http_options& o = test_options(),
                                        const cfg::config& c = test_config()) {
  auto s = settings_of(c);
  s.http = o;
  return s;
}

/// A started http_server on 127.0.0.1, port 0, over a fake engine.
struct server_fixture {
  explicit server_fixture(http_options o = test_options(),
                          cfg::config c = test_config())
      : eng(std::move(c)), server(eng, test_settings(o, eng.config())) {
    server.start();
  }
  ~server_fixture() {
    server.stop(1s);
    eng.stop();
  }
  uint16_t port() const { return server.port(); }
  /// The rate limits the gateway applies (the fake engine shares none).
  rate_limiter& server_limits() { return server.rate_limits(); }

  fake_engine eng;
  http_server server;
};

inline std::string swap_body(const std::string& id,
                             const std::string& user = "alice.near",
                             const std::string& amount = "10") {
  nlohmann::json j = {{"user_account", user},        {"action", "swap"},
                      {"input_token", "usdc.near"},  {"input_amount", amount},
                      {"output_token", "wrap.near"}, {"min_output_amount", "1"},
                      {"max_slippage", 1},           {"nonce", 1}};
  if (!id.empty())
    j["id"] = id;
  return j.dump();
}

inline std::set<std::string> detail_fields(const http_response& res) {
  std::set<std::string> out;
  auto body = res.json();
  for (auto& d : body["error"]["details"])
    out.insert(d["field"].get<std::string>());
  return out;
}

} // namespace intentd::test
