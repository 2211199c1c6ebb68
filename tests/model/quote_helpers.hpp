#pragma once

// Keys, requests and signed quotes shared by the external solver tests.

#include <doctest/doctest.h>

#include <string>
#include <variant>

#include "runtime/model/quote_check.hpp"
#include "runtime/model/signing.hpp"
#include "runtime/model/time.hpp"

namespace quote_test {

using namespace intentd;

inline constexpr time_us ms = 1'000;
inline constexpr time_us sec = 1'000'000;
// 2026-11-22T10:00:00Z
inline constexpr time_us t0 = 1795341600 * sec;

// RFC 8032, section 7.1, test 2: the docs/solvers.md test vector's key.
inline constexpr const char* vector_seed =
    "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
inline constexpr const char* vector_public_key =
    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";

inline ed25519_keys keys_of(const char* seed_hex) {
  return *keys_from_seed(*from_hex(seed_hex));
}

inline ed25519_keys acme_keys() {
  return keys_of(vector_seed);
}

// RFC 8032, section 7.1, test 3.
inline ed25519_keys other_keys() {
  return keys_of(
      "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7");
}

inline std::string raw_key(const ed25519_keys& k) {
  return {reinterpret_cast<const char*>(k.public_key.data()),
          k.public_key.size()};
}

/// swap-1: 100 usdc.near (6 decimals) for at least 19.5 wrap.near (24),
/// asked at t0 with a 1000 ms window.
inline quote_request swap_request() {
  quote_request r;
  r.request_id = "req-1";
  r.intent_id = "swap-1";
  r.action = action_kind::swap;
  r.input_token = "usdc.near";
  r.input_decimals = 6;
  r.input_amount = 100'000'000;
  r.output_token = "wrap.near";
  r.output_decimals = 24;
  r.min_output_amount = units{195} * pow10(23);
  r.respond_within_ms = 1000;
  r.sent_at = t0;
  return r;
}

/// tr-1: 10 usdc.near to bob.near, asked at t0 with a 1000 ms window.
inline quote_request
transfer_request(action_kind action = action_kind::transfer) {
  quote_request r;
  r.request_id = "req-2";
  r.intent_id = "tr-1";
  r.action = action;
  r.input_token = "usdc.near";
  r.input_decimals = 6;
  r.input_amount = 10'000'000;
  r.recipient = "bob.near";
  r.respond_within_ms = 1000;
  r.sent_at = t0;
  return r;
}

/// A quote for `r`, valid one minute after t0, signed by `keys`.
inline solver_quote
signed_quote(const quote_request& r, std::string output_amount, std::string fee,
             const ed25519_keys& keys = acme_keys(),
             std::string valid_until = "2026-11-22T10:01:00Z") {
  solver_quote q{r.request_id,
                 r.intent_id,
                 std::move(output_amount),
                 std::move(fee),
                 std::move(valid_until),
                 {}};
  q.signature = sign_quote(q, keys);
  return q;
}

/// The reason `q` is refused, arriving at `at`; fails the test when taken.
inline std::string
reason_of(const std::variant<accepted_quote, quote_rejection>& verdict) {
  const auto* rejection = std::get_if<quote_rejection>(&verdict);
  REQUIRE_MESSAGE(rejection != nullptr, "the quote was taken");
  return to_string(rejection->reason);
}

} // namespace quote_test
