#pragma once

#include <chrono>
#include <future>
#include <string>

#include <doctest/doctest.h>

#include "runtime/http/router.hpp"
#include "runtime/metrics/engine_metrics.hpp"
#include "tests/runtime/fake_engine.hpp"

namespace intentd::test {

/// An http_router over a fake engine, called directly: no sockets.
struct router_fixture {
  explicit router_fixture(cfg::config c = {})
      : eng(std::move(c)), router(eng) {}
  ~router_fixture() { eng.stop(); }

  /// Routes one request and waits for its reply. `loopback` says whether
  /// the client connected from 127.0.0.1.
  http_reply call(std::string method, std::string target, std::string body = {},
                  bool loopback = true) {
    http_request req;
    req.method = std::move(method);
    req.target = std::move(target);
    req.body = std::move(body);
    req.content_type = "application/json";
    req.peer = loopback ? "127.0.0.1" : "203.0.113.7";
    req.loopback = loopback;
    auto answered = std::make_shared<std::promise<http_reply>>();
    auto reply = answered->get_future();
    router.handle(req, [answered](http_reply rep) {
      answered->set_value(std::move(rep));
    });
    REQUIRE(reply.wait_for(std::chrono::seconds{10}) ==
            std::future_status::ready);
    return reply.get();
  }

  /// The text /metrics serves.
  std::string metrics() { return router.metrics().expose(); }

  fake_engine eng;
  http_router router;
};

/// The value of header `name` in `rep`; empty when absent.
inline std::string header_of(const http_reply& rep, std::string_view name) {
  for (const auto& [key, value] : rep.headers)
    if (key == name)
      return value;
  return {};
}

/// The line /metrics shows for one answered request.
inline std::string request_count(std::string_view method,
                                 std::string_view route, unsigned code) {
  return "http_requests_total{method=\"" + std::string{method} + "\",route=\"" +
         std::string{route} + "\",code=\"" + std::to_string(code) + "\"} 1\n";
}

} // namespace intentd::test
