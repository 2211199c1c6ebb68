#pragma once

#include <chrono>
#include <memory>
#include <thread>

#include <doctest/doctest.h>

#include "http_client.hpp"
#include "persistence/store_fixture.hpp"
#include "runtime/engine/component_settings.hpp"
#include "runtime/engine/engine.hpp"
#include "runtime/http/server.hpp"

namespace intentd::test {

/// A daemon's settings for a test: loopback port 0, a small store in `dir`
/// without fsync, a chain answering after `latency_ms`, no log.
inline cfg::config loopback_config(const temp_dir& dir, uint32_t latency_ms) {
  cfg::config config;
  config.server.listen = "127.0.0.1:0";
  config.storage.path = dir.path().string();
  config.storage.sync = false;
  config.storage.map_size_mb = 64;
  config.chain.simulated.latency_ms = latency_ms;
  config.logging.level = "off";
  return config;
}

/// intentd as a user runs it: the real engine and gateway with `config`.
struct loopback_daemon {
  cfg::config config;
  std::unique_ptr<engine_core> eng;
  std::unique_ptr<http_server> server;
  uint16_t port = 0;

  /// Starts both and waits until /readyz answers 200 (recovery runs in the
  /// background).
  void start() {
    using namespace std::chrono_literals;
    eng = engine_core::start(config);
    server = std::make_unique<http_server>(*eng, settings_of(config));
    server->start();
    port = server->port();
    for (int i = 0;
         i < 500 && request(port, verb::get, "/readyz").status != 200; ++i)
      std::this_thread::sleep_for(10ms);
    REQUIRE(request(port, verb::get, "/readyz").status == 200);
  }

  void stop() {
    using namespace std::chrono_literals;
    server->stop(1s);
    server.reset();
    eng->stop();
    eng.reset();
  }

  /// Polls `pred` until it holds; false when `limit` passed first.
  template<class Pred>
  static bool
  eventually(Pred pred,
             std::chrono::milliseconds limit = std::chrono::seconds{20}) {
    auto until = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > until)
        return false;
      std::this_thread::sleep_for(std::chrono::milliseconds{5});
    }
    return true;
  }

  ~loopback_daemon() {
    if (eng)
      stop();
  }
};

} // namespace intentd::test
