#include "runtime/model/quote_check.hpp"

#include <algorithm>

#include "runtime/model/time.hpp"

namespace intentd {

namespace {

quote_rejection reject(quote_reject reason, std::string message) {
  return {reason, std::move(message)};
}

std::string signature_key(std::string_view signature_hex) {
  auto raw = from_hex(signature_hex);
  return "s\n" + (raw ? to_hex(*raw) : std::string{signature_hex});
}

std::string request_key(std::string_view solver_id,
                        std::string_view request_id) {
  std::string key = "r\n";
  key.append(solver_id);
  key.push_back('\n');
  key.append(request_id);
  return key;
}

/// The base units of `text` in a token of `decimals`, or why not.
std::variant<units, quote_rejection> amount(const std::string& text,
                                            const char* name, uint8_t decimals,
                                            bool zero_ok,
                                            const quote_limits& limits) {
  units max =
      mul_div(limits.max_amount_tokens, pow10(decimals), 1).value_or(~units{0});
  units out = 0;
  switch (parse_amount(text, decimals, max, out)) {
  case amount_problem::none:
    return out;
  case amount_problem::not_positive:
    if (zero_ok)
      return units{0};
    return reject(quote_reject::malformed,
                  std::string{name} + " must be positive");
  case amount_problem::too_precise:
    return reject(quote_reject::malformed,
                  std::string{name} + " has more than " +
                      std::to_string(decimals) + " decimal places");
  case amount_problem::too_large:
    return reject(quote_reject::malformed, std::string{name} +
                                               " must be at most " +
                                               format_amount(max, decimals));
  case amount_problem::empty:
  case amount_problem::not_decimal:
    break;
  }
  return reject(quote_reject::malformed,
                std::string{name} + " must be an exact decimal string");
}

} // namespace

const char* to_string(quote_reject r) {
  switch (r) {
  case quote_reject::late:
    return "late";
  case quote_reject::bad_signature:
    return "bad_signature";
  case quote_reject::expired:
    return "expired";
  case quote_reject::replayed:
    return "replayed";
  case quote_reject::wrong_intent:
    return "wrong_intent";
  case quote_reject::wrong_request:
    return "wrong_request";
  case quote_reject::below_minimum:
    return "below_minimum";
  case quote_reject::malformed:
    return "malformed";
  }
  return "malformed";
}

quote_replay_guard::quote_replay_guard(size_t capacity) : table_(capacity) {}

bool quote_replay_guard::seen(std::string_view solver_id,
                              std::string_view request_id,
                              std::string_view signature_hex) {
  return table_.find(signature_key(signature_hex)) != nullptr ||
         table_.find(request_key(solver_id, request_id)) != nullptr;
}

void quote_replay_guard::record(std::string_view solver_id,
                                std::string_view request_id,
                                std::string_view signature_hex,
                                time_us keep_until, time_us now) {
  table_.drop_oldest_while([now](time_us until) { return until <= now; });
  table_.put(signature_key(signature_hex), keep_until);
  table_.put(request_key(solver_id, request_id), keep_until);
}

std::variant<accepted_quote, quote_rejection>
check_quote(const quote_request& r, const solver_quote& q,
            std::string_view solver_id, std::string_view public_key,
            time_us arrived_at, const quote_limits& limits,
            quote_replay_guard& replays) {
  if (q.request_id != r.request_id)
    return reject(quote_reject::wrong_request, "the quote names request " +
                                                   q.request_id + ", not " +
                                                   r.request_id);
  if (q.intent_id != r.intent_id)
    return reject(quote_reject::wrong_intent,
                  "request " + r.request_id + " is for intent " + r.intent_id +
                      ", not " + q.intent_id);
  accepted_quote out;
  out.solver_id = std::string{solver_id};
  out.arrived_at = arrived_at;
  auto output = amount(q.output_amount, "output_amount", r.quoted_decimals(),
                       false, limits);
  if (auto* e = std::get_if<quote_rejection>(&output))
    return *e;
  out.output_amount = std::get<units>(output);
  auto fee = amount(q.fee, "fee", r.input_decimals, true, limits);
  if (auto* e = std::get_if<quote_rejection>(&fee))
    return *e;
  out.fee = std::get<units>(fee);
  auto until = parse_rfc3339(q.valid_until);
  if (!until)
    return reject(quote_reject::malformed,
                  "valid_until must be an RFC 3339 date-time");
  if (*until > arrived_at + limits.max_valid_for)
    return reject(quote_reject::malformed,
                  "valid_until must be at most " +
                      std::to_string(limits.max_valid_for / 1'000'000) +
                      " s ahead");
  out.valid_until = *until;
  if (r.action != action_kind::swap && out.output_amount > r.input_amount)
    return reject(quote_reject::malformed,
                  "output_amount of a " + std::string{to_string(r.action)} +
                      " must be its input_amount");
  if (!verify_quote_signature(q, public_key))
    return reject(quote_reject::bad_signature,
                  "the signature does not verify under the solver's key over "
                  "the canonical quote");
  if (arrived_at >= r.closes_at())
    return reject(quote_reject::late, "the quote window of request " +
                                          r.request_id + " has closed");
  if (out.valid_until <= arrived_at)
    return reject(quote_reject::expired, "valid_until has passed");
  if (replays.seen(solver_id, q.request_id, q.signature))
    return reject(quote_reject::replayed,
                  "this quote, or another answer to request " + r.request_id +
                      ", was already taken");
  units minimum =
      r.action == action_kind::swap ? r.min_output_amount : r.input_amount;
  if (out.output_amount < minimum)
    return reject(quote_reject::below_minimum,
                  "output_amount is below " +
                      format_amount(minimum, r.quoted_decimals()));
  replays.record(solver_id, q.request_id, q.signature,
                 std::max(out.valid_until, r.closes_at()), arrived_at);
  out.quote = q;
  return out;
}

} // namespace intentd
