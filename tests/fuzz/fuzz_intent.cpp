// libFuzzer target: bytes -> parsed intent -> validation -> signature check.
// Invariants: nothing crashes, and a parsed intent signed with the
// registered key always verifies.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "runtime/model/signature_check.hpp"
#include "runtime/model/signing.hpp"
#include "runtime/model/validation.hpp"

using namespace intentd;

namespace {

// 2026-11-22T10:00:00Z, so that expires_at in the corpus stays valid.
constexpr time_us now = 1795341600ll * 1'000'000;

struct fixture {
  token_registry tokens{{{"usdc.near", 6, 1'000'000'000},
                         {"usdt.near", 6, 1'000'000'000},
                         {"wrap.near", 24, 5'000'000'000}}};
  validation_limits limits;
  ed25519_keys alice = *keys_from_seed(*from_hex(
      "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  account_keys keys;

  fixture() {
    std::string raw(reinterpret_cast<const char*>(alice.public_key.data()),
                    alice.public_key.size());
    (void)keys.add("alice.near", raw);
  }
};

fixture& shared() {
  static fixture f;
  return f;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto& f = shared();
  std::string_view body{reinterpret_cast<const char*>(data), size};
  auto parsed = parse_intent(body, f.tokens, f.limits, now);
  if (!parsed) {
    if (parsed.error().details.empty() &&
        parsed.error().code == errc::invalid_intent)
      std::abort(); // every refusal names at least one field
    return 0;
  }
  intent in = parsed->value;
  // The signature as sent: any outcome but a crash is fine.
  (void)check_intent_signature(in, f.keys);
  (void)cancel_message(in.id, in.nonce, in.public_key);
  // Signed by alice's key for alice's account it must verify.
  in.user_account = "alice.near";
  sign_intent(in, f.alice);
  if (check_intent_signature(in, f.keys))
    std::abort();
  // And a changed nonce must not.
  in.nonce += 1;
  if (!check_intent_signature(in, f.keys))
    std::abort();
  return 0;
}
