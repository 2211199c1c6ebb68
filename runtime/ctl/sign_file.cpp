#include "runtime/ctl/sign_file.hpp"

#include <stdexcept>

#include "runtime/model/time.hpp"
#include "runtime/model/validation.hpp"
#include "runtime/settings/domain_settings.hpp"

namespace intentd::ctl {

ed25519_keys keys_from_hex(const std::string& seed_hex) {
  auto seed = from_hex(seed_hex);
  std::optional<ed25519_keys> keys;
  if (seed)
    keys = keys_from_seed(*seed);
  if (!keys)
    throw std::runtime_error("the seed must be 64 hex digits");
  return *keys;
}

nlohmann::json sign_json(nlohmann::json body, const ed25519_keys& keys,
                         const cfg::config& config) {
  if (!body.is_object())
    throw std::runtime_error("the intent must be a JSON object");
  auto now = wall_clock_now();
  body.erase("signature");
  if (!body.contains("expires_at")) {
    time_us second = 1'000'000;
    body["expires_at"] = format_rfc3339((now / second + 3600) * second);
  }
  if (!body.contains("nonce"))
    body["nonce"] = static_cast<uint64_t>(now);
  body["public_key"] = to_hex(
      std::string_view{reinterpret_cast<const char*>(keys.public_key.data()),
                       keys.public_key.size()});
  // Signs what the daemon will read from this very body. The daemon reads
  // a key only next to a signature; the signature is not signed, so any
  // stands in for it here.
  body["signature"] = std::string(128, '0');
  auto parsed = parse_intent(body.dump(), make_tokens(config.tokens),
                             make_limits(config), now);
  if (!parsed) {
    std::string what = parsed.error().message;
    for (const auto& d : parsed.error().details)
      what += "\n  " + d.field + ": " + d.problem;
    throw std::runtime_error(what);
  }
  sign_intent(parsed->value, keys);
  body["signature"] = parsed->value.signature;
  return body;
}

} // namespace intentd::ctl
