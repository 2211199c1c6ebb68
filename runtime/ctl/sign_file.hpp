#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "runtime/model/signing.hpp"

namespace intentd::ctl {

/// Signs an intent as JSON: fills `expires_at` (one hour ahead, whole
/// seconds) and `nonce` (microseconds since the epoch) when absent, adds
/// `public_key` and `signature`. Checks the intent first as the daemon
/// configured by `config` would; throws std::runtime_error with every
/// problem otherwise.
nlohmann::json sign_json(nlohmann::json body, const ed25519_keys& keys,
                         const cfg::config& config);

/// The keys of a hex seed; throws std::runtime_error when malformed.
ed25519_keys keys_from_hex(const std::string& seed_hex);

} // namespace intentd::ctl
