#include "runtime/model/solver_frames.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include <nlohmann/json.hpp>

#include "runtime/model/json_sax.hpp"
#include "runtime/model/time.hpp"

namespace intentd {

namespace {

using nlohmann::json;
/// Rendered frames keep their fields in the order written, `type` first.
using ojson = nlohmann::ordered_json;

constexpr std::array<const char*, 2> auth_fields = {"solver_id", "signature"};
constexpr std::array<const char*, 6> quote_fields = {
    "request_id", "intent_id",   "output_amount",
    "fee",        "valid_until", "signature"};

frame_error fail(std::string code, std::string message) {
  return {std::move(code), std::move(message)};
}

/// A name from the frame, shortened for an error message.
std::string shown(std::string_view name) {
  constexpr size_t max_shown = 64;
  if (name.size() <= max_shown)
    return std::string{name};
  return std::string{name.substr(0, max_shown)} + "...";
}

template<size_t N>
bool known(const std::array<const char*, N>& fields, const std::string& key) {
  return key == "type" || std::any_of(fields.begin(), fields.end(),
                                      [&](const char* f) { return key == f; });
}

/// Checks that `object` holds exactly `type` and `fields`, all strings.
template<size_t N>
std::optional<frame_error>
check_fields(const json& object, const std::array<const char*, N>& fields,
             std::string_view type) {
  for (const auto& item : object.items())
    if (!known(fields, item.key()))
      return fail("unknown_field", "a " + std::string{type} +
                                       " frame has no field \"" +
                                       shown(item.key()) + "\"");
  for (const char* f : fields) {
    auto i = object.find(f);
    if (i == object.end())
      return fail("missing_field", std::string{f} + " is required");
    if (!i->is_string())
      return fail("wrong_type", std::string{f} + " must be a string");
  }
  return std::nullopt;
}

std::optional<frame_error> check_id(const json& object, const char* name) {
  const auto& id = object.at(name).get_ref<const std::string&>();
  if (id.empty() || id.size() > max_frame_id)
    return fail("bad_field", std::string{name} + " must be 1 to " +
                                 std::to_string(max_frame_id) + " characters");
  return std::nullopt;
}

std::optional<frame_error> check_signature(const std::string& hex) {
  if (hex.size() != 128 || !from_hex(hex))
    return fail("bad_hex", "signature must be 128 hex digits (an ed25519 "
                           "signature)");
  return std::nullopt;
}

/// An exact decimal string: digits, optionally a point and more digits.
/// Zero passes only when `zero_ok`.
std::optional<frame_error> check_decimal(const std::string& text,
                                         const char* name, bool zero_ok) {
  units ignored = 0;
  switch (parse_amount(text, 38, ~units{0}, ignored)) {
  case amount_problem::none:
  case amount_problem::too_precise: // for check_quote, against the token
  case amount_problem::too_large:
    return std::nullopt;
  case amount_problem::not_positive:
    if (zero_ok)
      return std::nullopt;
    return fail("bad_amount", std::string{name} + " must be positive");
  case amount_problem::empty:
  case amount_problem::not_decimal:
    break;
  }
  return fail("bad_amount", std::string{name} +
                                " must be an exact decimal string such as "
                                "\"12.5\" (no sign, exponent or spaces)");
}

solver_frame parse_auth(const json& object) {
  if (auto e = check_fields(object, auth_fields, "auth"))
    return *e;
  if (auto e = check_id(object, "solver_id"))
    return *e;
  auth_frame out{object.at("solver_id").get<std::string>(),
                 object.at("signature").get<std::string>()};
  if (auto e = check_signature(out.signature))
    return *e;
  return out;
}

solver_frame parse_quote(const json& object) {
  if (auto e = check_fields(object, quote_fields, "quote"))
    return *e;
  for (const char* id : {"request_id", "intent_id"})
    if (auto e = check_id(object, id))
      return *e;
  auto text = [&](const char* f) { return object.at(f).get<std::string>(); };
  solver_quote q{text("request_id"), text("intent_id"),   text("output_amount"),
                 text("fee"),        text("valid_until"), text("signature")};
  if (auto e = check_decimal(q.output_amount, "output_amount", false))
    return *e;
  if (auto e = check_decimal(q.fee, "fee", true))
    return *e;
  if (!parse_rfc3339(q.valid_until))
    return fail("bad_time", "valid_until must be an RFC 3339 date-time such "
                            "as 2026-12-07T10:00:05Z");
  if (auto e = check_signature(q.signature))
    return *e;
  return q;
}

std::string text_of(const ojson& j) {
  return j.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

ojson amount_or_null(bool present, units value, uint8_t decimals) {
  return present ? ojson(format_amount(value, decimals)) : ojson(nullptr);
}

} // namespace

solver_frame parse_solver_frame(std::string_view text) {
  if (text.size() > max_solver_frame)
    return fail("too_large", "a frame holds at most " +
                                 std::to_string(max_solver_frame) + " bytes");
  // Depth 2, so that a nested value reads as a wrong type, not bad JSON.
  json_document doc = read_json(text, 2);
  if (doc.syntax_error)
    return fail("bad_json", *doc.syntax_error);
  if (!doc.value.is_object())
    return fail("bad_json", "a frame is a JSON object");
  if (!doc.duplicates.empty())
    return fail("bad_json", "duplicate key \"" +
                                shown(doc.duplicates.front().field) + "\"");
  auto type = doc.value.find("type");
  if (type == doc.value.end())
    return fail("missing_field", "type is required");
  if (!type->is_string())
    return fail("wrong_type", "type must be a string");
  const auto& name = type->get_ref<const std::string&>();
  if (name == "auth")
    return parse_auth(doc.value);
  if (name == "quote")
    return parse_quote(doc.value);
  return fail("unknown_type", "type must be \"auth\" or \"quote\", not \"" +
                                  shown(name) + "\"");
}

std::string render_challenge(std::string_view nonce_hex) {
  return text_of({{"type", "challenge"}, {"nonce", nonce_hex}});
}

std::string render_ready(std::string_view solver_id) {
  return text_of({{"type", "ready"}, {"solver_id", solver_id}});
}

std::string render_quote_request(const quote_request& r) {
  bool swap = r.action == action_kind::swap;
  ojson j{{"type", "quote_request"},
          {"request_id", r.request_id},
          {"intent_id", r.intent_id},
          {"action", to_string(r.action)},
          {"input_token", r.input_token},
          {"input_amount", format_amount(r.input_amount, r.input_decimals)},
          {"output_token", swap ? ojson(r.output_token) : ojson(nullptr)},
          {"min_output_amount",
           amount_or_null(swap, r.min_output_amount, r.output_decimals)},
          {"recipient", swap ? ojson(nullptr) : ojson(r.recipient)},
          {"respond_within_ms", r.respond_within_ms}};
  return text_of(j);
}

std::string render_assigned(std::string_view intent_id,
                            std::string_view request_id) {
  return text_of({{"type", "assigned"},
                  {"intent_id", intent_id},
                  {"request_id", request_id}});
}

std::string render_settled(std::string_view intent_id, std::string_view tx_hash,
                           std::string_view output_amount) {
  return text_of({{"type", "settled"},
                  {"intent_id", intent_id},
                  {"tx_hash", tx_hash},
                  {"output_amount", output_amount}});
}

std::string render_settlement_failed(std::string_view intent_id,
                                     std::string_view reason) {
  return text_of({{"type", "settlement_failed"},
                  {"intent_id", intent_id},
                  {"reason", reason}});
}

std::string render_error(std::string_view code, std::string_view message) {
  return text_of({{"type", "error"}, {"code", code}, {"message", message}});
}

std::string render_error(const frame_error& e) {
  return render_error(e.code, e.message);
}

} // namespace intentd
