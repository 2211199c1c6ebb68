#include <doctest/doctest.h>

#include "quote_helpers.hpp"

using namespace quote_test;

namespace {

/// Checks `q` from acme arriving at `at` against `r` with a fresh guard
/// unless one is given.
std::variant<accepted_quote, quote_rejection>
check(const quote_request& r, const solver_quote& q, time_us at,
      quote_replay_guard* guard = nullptr) {
  quote_replay_guard fresh;
  return check_quote(r, q, "acme", raw_key(acme_keys()), at, quote_limits{},
                     guard != nullptr ? *guard : fresh);
}

accepted_quote
taken(const std::variant<accepted_quote, quote_rejection>& verdict) {
  const auto* rejection = std::get_if<quote_rejection>(&verdict);
  REQUIRE_MESSAGE(rejection == nullptr,
                  (rejection ? rejection->message : std::string{}));
  return std::get<accepted_quote>(verdict);
}

} // namespace

TEST_CASE("every reason code has its name") {
  CHECK(std::string{to_string(quote_reject::late)} == "late");
  CHECK(std::string{to_string(quote_reject::bad_signature)} == "bad_signature");
  CHECK(std::string{to_string(quote_reject::expired)} == "expired");
  CHECK(std::string{to_string(quote_reject::replayed)} == "replayed");
  CHECK(std::string{to_string(quote_reject::wrong_intent)} == "wrong_intent");
  CHECK(std::string{to_string(quote_reject::wrong_request)} == "wrong_request");
  CHECK(std::string{to_string(quote_reject::below_minimum)} == "below_minimum");
  CHECK(std::string{to_string(quote_reject::malformed)} == "malformed");
  CHECK(quote_reject_count == 8);
}

TEST_CASE("a valid swap quote is taken with its amounts in base units") {
  auto r = swap_request();
  auto q = signed_quote(r, "19.75", "0.1");
  auto a = taken(check(r, q, t0 + 200 * ms));
  CHECK(a.solver_id == "acme");
  CHECK(a.output_amount == units{1975} * pow10(22));
  CHECK(a.fee == 100'000);
  CHECK(a.valid_until == t0 + 60 * sec);
  CHECK(a.arrived_at == t0 + 200 * ms);
  CHECK(a.quote.signature == q.signature);
}

TEST_CASE("a quote of exactly the minimum and a zero fee is taken") {
  auto r = swap_request();
  CHECK(taken(check(r, signed_quote(r, "19.5", "0"), t0)).fee == 0);
  auto tr = transfer_request();
  CHECK(taken(check(tr, signed_quote(tr, "10", "0.01"), t0)).output_amount ==
        10'000'000);
}

TEST_CASE("wrong_request: the quote names another request") {
  auto r = swap_request();
  auto other = r;
  other.request_id = "req-9";
  CHECK(reason_of(check(r, signed_quote(other, "20", "0"), t0)) ==
        "wrong_request");
}

TEST_CASE("wrong_intent: the quote names another intent") {
  auto r = swap_request();
  auto other = r;
  other.intent_id = "swap-2";
  CHECK(reason_of(check(r, signed_quote(other, "20", "0"), t0)) ==
        "wrong_intent");
}

TEST_CASE("bad_signature: another key, or a field changed after signing") {
  auto r = swap_request();
  CHECK(reason_of(check(r, signed_quote(r, "20", "0", other_keys()), t0)) ==
        "bad_signature");
  auto q = signed_quote(r, "20", "0");
  q.output_amount = "21";
  CHECK(reason_of(check(r, q, t0)) == "bad_signature");
  q = signed_quote(r, "20", "0");
  q.signature.clear();
  CHECK(reason_of(check(r, q, t0)) == "bad_signature");
}

TEST_CASE("late: at or after the window's end, not just before") {
  auto r = swap_request();
  auto q = signed_quote(r, "20", "0");
  CHECK(reason_of(check(r, q, r.closes_at())) == "late");
  CHECK(reason_of(check(r, q, r.closes_at() + 5 * sec)) == "late");
  taken(check(r, q, r.closes_at() - 1));
}

TEST_CASE("expired: valid_until at or before arrival") {
  auto r = swap_request();
  auto q = signed_quote(r, "20", "0", acme_keys(), "2026-11-22T10:00:00.5Z");
  CHECK(reason_of(check(r, q, t0 + 500 * ms)) == "expired");
  CHECK(reason_of(check(r, q, t0 + 600 * ms)) == "expired");
  taken(check(r, q, t0 + 500 * ms - 1));
  auto past = signed_quote(r, "20", "0", acme_keys(), "2026-11-22T09:59:00Z");
  CHECK(reason_of(check(r, past, t0)) == "expired");
}

TEST_CASE("replayed: the same quote twice, or a second answer to a request") {
  auto r = swap_request();
  quote_replay_guard guard;
  auto q = signed_quote(r, "20", "0");
  taken(check(r, q, t0, &guard));
  CHECK(reason_of(check(r, q, t0 + 1, &guard)) == "replayed");
  // A better second quote for the same request is refused too.
  CHECK(reason_of(check(r, signed_quote(r, "25", "0"), t0 + 2, &guard)) ==
        "replayed");
  // The signature in upper case is the same signature.
  auto upper = q;
  for (auto& c : upper.signature)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(reason_of(check(r, upper, t0 + 3, &guard)) == "replayed");
  // Another solver may answer the same request.
  auto from_other = signed_quote(r, "20", "0", other_keys());
  auto verdict = check_quote(r, from_other, "other", raw_key(other_keys()),
                             t0 + 4, quote_limits{}, guard);
  CHECK(std::holds_alternative<accepted_quote>(verdict));
}

TEST_CASE("a refused quote does not use up the solver's answer") {
  auto r = swap_request();
  quote_replay_guard guard;
  CHECK(reason_of(check(r, signed_quote(r, "19", "0"), t0, &guard)) ==
        "below_minimum");
  CHECK(guard.size() == 0);
  taken(check(r, signed_quote(r, "20", "0"), t0 + 1, &guard));
  CHECK(guard.size() == 2);
}

TEST_CASE("below_minimum: a swap under min_output_amount") {
  auto r = swap_request();
  CHECK(reason_of(check(r, signed_quote(r, "19.499999999999999999999999", "0"),
                        t0)) == "below_minimum");
  CHECK(reason_of(check(r, signed_quote(r, "1", "0"), t0)) == "below_minimum");
}

TEST_CASE("below_minimum: a transfer or stake delivering less than its "
          "amount") {
  for (auto action : {action_kind::transfer, action_kind::stake}) {
    auto r = transfer_request(action);
    CHECK(reason_of(check(r, signed_quote(r, "9.999999", "0"), t0)) ==
          "below_minimum");
  }
}

TEST_CASE("malformed: amounts unfit for the token, a bad valid_until") {
  auto r = swap_request();
  // wrap.near has 24 decimals, usdc.near (the fee's token) 6.
  CHECK(reason_of(check(r, signed_quote(r, "20.0000000000000000000000001", "0"),
                        t0)) == "malformed");
  CHECK(reason_of(check(r, signed_quote(r, "20", "0.0000001"), t0)) ==
        "malformed");
  CHECK(reason_of(check(r, signed_quote(r, "1000000001", "0"), t0)) ==
        "malformed");
  CHECK(reason_of(check(r, signed_quote(r, "20", "1000000001"), t0)) ==
        "malformed");
  CHECK(reason_of(check(r, signed_quote(r, "0", "0"), t0)) == "malformed");
  CHECK(reason_of(check(r, signed_quote(r, "-20", "0"), t0)) == "malformed");
  CHECK(reason_of(check(r, signed_quote(r, "2e1", "0"), t0)) == "malformed");
  CHECK(reason_of(check(r, signed_quote(r, "20", "0", acme_keys(), "tomorrow"),
                        t0)) == "malformed");
  auto tr = transfer_request();
  CHECK(reason_of(check(tr, signed_quote(tr, "10.000001", "0"), t0)) ==
        "malformed");
}

TEST_CASE("malformed: valid for longer than max_valid_for") {
  auto r = swap_request();
  quote_replay_guard guard;
  quote_limits limits;
  limits.max_valid_for = 60 * sec;
  auto q = signed_quote(r, "20", "0", acme_keys(), "2026-11-22T10:01:00Z");
  auto verdict =
      check_quote(r, q, "acme", raw_key(acme_keys()), t0 - 1, limits, guard);
  CHECK(reason_of(verdict) == "malformed");
  verdict = check_quote(r, q, "acme", raw_key(acme_keys()), t0, limits, guard);
  CHECK(std::holds_alternative<accepted_quote>(verdict));
}

TEST_CASE("the checks come in their documented order") {
  auto r = swap_request();
  // Wrong request and intent, mis-signed, late and below the minimum: the
  // request is named first.
  auto other = r;
  other.request_id = "req-9";
  other.intent_id = "swap-9";
  auto q = signed_quote(other, "1", "0", other_keys());
  CHECK(reason_of(check(r, q, r.closes_at())) == "wrong_request");
  q.request_id = r.request_id;
  CHECK(reason_of(check(r, q, r.closes_at())) == "wrong_intent");
  // Malformed comes before the signature.
  q = signed_quote(r, "1.0000000000000000000000001", "0", other_keys());
  CHECK(reason_of(check(r, q, r.closes_at())) == "malformed");
  // Mis-signed, late, expired and below: bad_signature.
  q = signed_quote(r, "1", "0", other_keys(), "2026-11-22T09:00:00Z");
  CHECK(reason_of(check(r, q, r.closes_at())) == "bad_signature");
  // Late, expired and below: late.
  q = signed_quote(r, "1", "0", acme_keys(), "2026-11-22T09:00:00Z");
  CHECK(reason_of(check(r, q, r.closes_at())) == "late");
  // Expired and below: expired.
  CHECK(reason_of(check(r, q, t0)) == "expired");
  // Replayed and below: replayed.
  quote_replay_guard guard;
  taken(check(r, signed_quote(r, "20", "0"), t0, &guard));
  CHECK(reason_of(check(r, signed_quote(r, "1", "0"), t0, &guard)) ==
        "replayed");
}

TEST_CASE("the replay guard is bounded and forgets what can no longer pass") {
  quote_replay_guard guard{4};
  guard.record("acme", "req-1", "aa", t0 + 10, t0);
  guard.record("acme", "req-2", "bb", t0 + 20, t0);
  CHECK(guard.size() == 4);
  CHECK(guard.seen("acme", "req-1", "ff"));
  CHECK(guard.seen("other", "req-x", "AA"));
  CHECK_FALSE(guard.seen("other", "req-1", "ff"));
  // Full: a third quote pushes out the least recently used one.
  guard.record("acme", "req-3", "cc", t0 + 30, t0);
  CHECK(guard.size() == 4);
  CHECK(guard.evictions() == 2);
  CHECK(guard.seen("acme", "req-3", "ff"));
  // Entries whose keep_until has passed go first, before any eviction.
  quote_replay_guard expiring{8};
  expiring.record("acme", "req-1", "aa", t0 + 10, t0);
  expiring.record("acme", "req-2", "bb", t0 + 20, t0 + 15);
  CHECK(expiring.size() == 2);
  CHECK_FALSE(expiring.seen("acme", "req-1", "aa"));
  CHECK(expiring.seen("acme", "req-2", "bb"));
  CHECK(expiring.evictions() == 0);
}

TEST_CASE("a taken quote is remembered until its window closes") {
  // valid_until before the window's end: kept until the window closes, so
  // the same request cannot be answered again while it is open.
  auto r = swap_request();
  r.respond_within_ms = 3000;
  quote_replay_guard guard;
  auto q = signed_quote(r, "20", "0", acme_keys(), "2026-11-22T10:00:01Z");
  taken(check(r, q, t0, &guard));
  guard.record("x", "y", "00", t0 + 10 * sec, t0 + 2 * sec);
  auto again = signed_quote(r, "21", "0", acme_keys(), "2026-11-22T10:00:05Z");
  CHECK(reason_of(check(r, again, t0 + 2 * sec, &guard)) == "replayed");
}
