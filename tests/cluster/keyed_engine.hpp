#pragma once

// A real engine on a temporary store, signatures required, that holds
// bob.near's key but none of alice.near's: the keys it does not hold are
// looked up at a stand-in for the accounts' home node (settings.key_lookup),
// which answers what the test says, at once or when the test releases it.

#include <doctest/doctest.h>

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "persistence/store_fixture.hpp"
#include "runtime/engine/component_settings.hpp"
#include "runtime/engine/engine.hpp"
#include "runtime/engine/signature_gate.hpp"
#include "runtime/model/signing.hpp"

namespace intentd::test {

inline ed25519_keys keys_of(const char* seed_hex) {
  return *keys_from_seed(*from_hex(seed_hex));
}

inline const ed25519_keys alice =
    keys_of("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
inline const ed25519_keys bob =
    keys_of("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");

inline std::string raw_key(const ed25519_keys& k) {
  return {reinterpret_cast<const char*>(k.public_key.data()),
          k.public_key.size()};
}

inline std::string hex_key(const ed25519_keys& k) {
  return to_hex(raw_key(k));
}

/// A real engine, signatures required, no key of alice.near here; its
/// lookups go to the home, which answers what the test put in `answer`:
/// at once, or, while `held` is set, when the test calls release().
struct keyed_engine {
  temp_dir dir;
  std::shared_ptr<key_lookup_slot> lookup = std::make_shared<key_lookup_slot>();
  outcome<std::vector<std::string>> answer{std::vector<std::string>{}};
  bool held = false;
  std::deque<key_lookup_slot::keys_reply> waiting;
  std::vector<std::string> asked;
  std::unique_ptr<engine_core> eng;

  keyed_engine() {
    cfg::config c;
    c.storage.path = dir.path().string();
    c.storage.sync = false;
    c.storage.map_size_mb = 64;
    c.chain.simulated.latency_ms = 1;
    c.logging.level = "off";
    c.security.require_signatures = true;
    c.security.keys = {{"bob.near", hex_key(bob)}};
    lookup->bind(
        [this](const std::string& account, key_lookup_slot::keys_reply done) {
          asked.push_back(account);
          if (held)
            return waiting.push_back(std::move(done));
          done(answer);
        });
    auto settings = settings_of(c);
    settings.key_lookup = lookup;
    eng = engine_core::start(c, settings);
    for (int i = 0; i < 5000 && !eng->ready(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds{1});
    REQUIRE(eng->ready());
  }

  ~keyed_engine() { eng->stop(); }

  /// Hands `answer` to the lookups waiting for the home.
  void release() {
    while (!waiting.empty()) {
      auto done = std::move(waiting.front());
      waiting.pop_front();
      done(answer);
    }
  }
};

} // namespace intentd::test
