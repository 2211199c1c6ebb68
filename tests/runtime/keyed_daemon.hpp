#pragma once

// The real engine and gateway on loopback, with the calls the signed-intent
// and read-access tests share: raw requests and intents signed as intentctl
// signs them.

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "http_client.hpp"
#include "loopback_daemon.hpp"
#include "runtime/model/signing.hpp"
#include "runtime/model/time.hpp"
#include "runtime/settings/domain_settings.hpp"

namespace intentd::test {

using header_list = std::vector<std::pair<std::string, std::string>>;

/// An ed25519 public key in hex, as the config and the API take it.
inline std::string hex_key(const ed25519_keys& k) {
  return to_hex({reinterpret_cast<const char*>(k.public_key.data()),
                 k.public_key.size()});
}

struct keyed_daemon : loopback_daemon {
  http_response send(verb method, const std::string& target,
                     const std::string& body = {},
                     const header_list& headers = {}) {
    http_client client{port};
    return client.send(method, target, body, "application/json", false,
                       headers);
  }

  http_response submit(const nlohmann::json& body) {
    return send(verb::post, "/api/v1/intents", body.dump());
  }

  /// `body` with public_key and signature of `keys`, as intentctl signs.
  nlohmann::json sign(nlohmann::json body, const ed25519_keys& keys) const {
    body["public_key"] = hex_key(keys);
    body["signature"] = std::string(128, '0'); // a key comes with one
    auto parsed = parse_intent(body.dump(), make_tokens(config.tokens),
                               make_limits(config), wall_clock_now());
    REQUIRE(parsed);
    sign_intent(parsed->value, keys);
    body["signature"] = parsed->value.signature;
    return body;
  }
};

} // namespace intentd::test
