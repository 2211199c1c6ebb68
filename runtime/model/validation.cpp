#include "runtime/model/validation.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <set>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "runtime/model/json_sax.hpp"
#include "runtime/model/time.hpp"

namespace intentd {

namespace {

using nlohmann::json;

constexpr size_t max_depth = 8;
constexpr size_t max_signature_length = 256;
constexpr uint32_t max_slippage_percent = 50;

/// The fields that belong to some actions only; every other known field
/// belongs to all of them. On any other action such a field is refused,
/// named, like an unknown one.
struct action_field {
  const char* name;
  bool swap;     // belongs to swaps
  bool transfer; // belongs to transfers and stakes (the pool)
};

constexpr std::array<action_field, 4> action_fields = {{
    {"output_token", true, false},
    {"min_output_amount", true, false},
    {"max_slippage", true, false},
    {"recipient", false, true},
}};

constexpr std::array<const char*, 13> known_fields = {
    "id",
    "user_account",
    "action",
    "input_token",
    "input_amount",
    "output_token",
    "min_output_amount",
    "max_slippage",
    "recipient",
    "expires_at",
    "nonce",
    "signature",
    "public_key",
};

std::string hex(const unsigned char* data, size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(digits[data[i] >> 4]);
    out.push_back(digits[data[i] & 0xf]);
  }
  return out;
}

std::string sha256_hex(std::string_view text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), md, &size, EVP_sha256(), nullptr);
  return hex(md, size);
}

problem invalid(std::vector<field_problem> details) {
  std::string message =
      "The intent is invalid: " + std::to_string(details.size()) +
      " problem(s)";
  return problem{errc::invalid_intent, std::move(message), std::move(details)};
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return c >= '0' && c <= '9'; });
}

// Reads the fields of one top-level object, collecting every problem.
class field_reader {
public:
  field_reader(const json_document& doc, const token_registry& tokens,
               const validation_limits& limits, time_us now)
      : doc_(doc), tokens_(tokens), limits_(limits), now_(now) {
    for (const auto& dup : doc.duplicates)
      if (dup.field.find('.') == std::string::npos)
        duplicated_.insert(dup.field);
  }

  std::vector<field_problem> details;

  void report(std::string field, std::string problem) {
    details.push_back({std::move(field), std::move(problem)});
  }

  // The value of a field; nullptr when absent, null, or already reported as
  // a duplicate.
  const json* get(const char* name) {
    if (duplicated_.count(name) != 0)
      return nullptr;
    auto i = doc_.value.find(name);
    return i == doc_.value.end() || i->is_null() ? nullptr : &*i;
  }

  bool present(const char* name) {
    return doc_.value.contains(name) && !doc_.value.at(name).is_null();
  }

  // True when `name` holds something other than null or "".
  bool filled(const char* name) {
    if (!present(name))
      return false;
    const json& value = doc_.value.at(name);
    return !value.is_string() || !value.get_ref<const std::string&>().empty();
  }

  std::optional<std::string> string(const char* name, bool required) {
    const json* value = get(name);
    if (value == nullptr) {
      if (required && duplicated_.count(name) == 0)
        report(name, "is required");
      return std::nullopt;
    }
    if (!value->is_string()) {
      report(name, "must be a string");
      return std::nullopt;
    }
    return value->get<std::string>();
  }

  const token_spec* token(const char* name, bool required) {
    auto id = string(name, required);
    if (!id)
      return nullptr;
    const token_spec* spec = tokens_.find(*id);
    if (spec == nullptr)
      report(name, "unknown token \"" + *id + "\"");
    return spec;
  }

  // An amount of `spec`; with no known token only its syntax is checked.
  units amount(const char* name, bool required, const token_spec* spec) {
    const json* value = get(name);
    if (value != nullptr && value->is_number()) {
      report(name, "must be a decimal string, not a number");
      return 0;
    }
    auto text = string(name, required);
    if (!text)
      return 0;
    uint8_t decimals = spec != nullptr ? spec->decimals : 38;
    units max = ~units{0};
    if (spec != nullptr)
      max = mul_div(limits_.max_amount_tokens, pow10(spec->decimals), 1)
                .value_or(max);
    units out = 0;
    switch (parse_amount(*text, decimals, max, out)) {
    case amount_problem::none:
      return out;
    case amount_problem::empty:
    case amount_problem::not_decimal:
    case amount_problem::not_positive:
      report(name, "must be a positive decimal");
      break;
    case amount_problem::too_precise:
      report(name,
             "has more than " + std::to_string(decimals) + " decimal places");
      break;
    case amount_problem::too_large:
      if (spec != nullptr)
        report(name, "must be at most " + format_amount(max, decimals));
      break;
    }
    return 0;
  }

  uint32_t slippage_bps() {
    const json* value = get("max_slippage");
    if (value == nullptr)
      return 0;
    std::string text;
    if (value->is_string())
      text = value->get<std::string>();
    else if (value->is_number_unsigned())
      text = std::to_string(value->get<uint64_t>());
    else if (value->is_number_float())
      text = doc_.raw_numbers.at("max_slippage");
    else if (!value->is_number_integer()) {
      report("max_slippage", "must be a number or a decimal string");
      return 0;
    }
    units max = max_slippage_percent * 100;
    units bps = 0;
    auto result = parse_amount(text, 2, max, bps);
    if (result == amount_problem::not_positive)
      return 0;
    if (result != amount_problem::none) {
      report("max_slippage", "must be a percentage from 0 to 50 with at most "
                             "2 decimal places");
      return 0;
    }
    return static_cast<uint32_t>(bps);
  }

  std::string account(const char* name, bool required) {
    auto text = string(name, required);
    if (!text)
      return {};
    if (!valid_account(*text))
      report(name, "must be an account id: 2 to 64 characters of a-z and 0-9, "
                   "separated by single '.', '_' or '-'");
    return *text;
  }

  time_us expires_at() {
    auto text = string("expires_at", false);
    if (!text)
      return present("expires_at") ? 0 : now_ + limits_.default_lifetime;
    auto at = parse_rfc3339(*text);
    if (!at)
      report("expires_at", "must be an RFC 3339 date-time such as "
                           "2026-11-22T10:05:00Z");
    else if (*at <= now_)
      report("expires_at", "must be in the future");
    else if (*at > now_ + limits_.max_lifetime)
      report("expires_at", "must be no later than " +
                               format_rfc3339(now_ + limits_.max_lifetime));
    return at.value_or(0);
  }

  uint64_t nonce() {
    const json* value = get("nonce");
    if (value == nullptr)
      return 0;
    if (value->is_number_unsigned())
      return value->get<uint64_t>();
    if (value->is_string() &&
        all_digits(value->get_ref<const std::string&>())) {
      auto parsed = units_from_string(value->get_ref<const std::string&>());
      if (parsed && *parsed <= std::numeric_limits<uint64_t>::max())
        return static_cast<uint64_t>(*parsed);
    }
    report("nonce", "must be a non-negative integer below 2^64");
    return 0;
  }

  void unknown_fields() {
    for (const auto& item : doc_.value.items())
      if (std::find_if(known_fields.begin(), known_fields.end(),
                       [&](const char* k) { return item.key() == k; }) ==
          known_fields.end())
        report(item.key(), "unknown field");
  }

private:
  const json_document& doc_;
  const token_registry& tokens_;
  const validation_limits& limits_;
  time_us now_;
  std::set<std::string> duplicated_;
};

intent read_intent(field_reader& in, const validation_limits& limits) {
  intent out;
  if (auto id = in.string("id", false)) {
    if (valid_intent_id(*id, limits.max_id_length))
      out.id = *id;
    else
      in.report("id", "must be 1 to " + std::to_string(limits.max_id_length) +
                          " characters of A-Z, a-z, 0-9, '_' or '-'");
  }
  out.user_account = in.account("user_account", true);
  std::optional<action_kind> action;
  if (auto text = in.string("action", true)) {
    action = parse_action(*text);
    if (action)
      out.action = *action;
    else
      in.report("action", "must be one of swap, transfer, stake");
  }
  bool swap = action == action_kind::swap;
  // With a known action, a field of another action is refused and not read;
  // with none, every field is read for its own problems.
  if (action)
    for (const auto& field : action_fields)
      if ((swap ? !field.swap : !field.transfer) && in.present(field.name))
        in.report(field.name, field.swap
                                  ? "is only allowed when action is swap"
                                  : "is only allowed when action is transfer "
                                    "or stake");
  const token_spec* input = in.token("input_token", true);
  if (input != nullptr)
    out.input_token = input->id;
  out.input_amount = in.amount("input_amount", true, input);
  if (swap || !action) {
    const token_spec* output = in.token("output_token", swap);
    if (output != nullptr) {
      out.output_token = output->id;
      if (input != nullptr && output->id == input->id)
        in.report("output_token", "must differ from input_token");
    }
    out.min_output_amount = in.amount("min_output_amount", swap, output);
    out.max_slippage_bps = in.slippage_bps();
  }
  if (!swap)
    out.recipient = in.account("recipient", action.has_value());
  out.expires_at = in.expires_at();
  out.nonce = in.nonce();
  if (auto signature = in.string("signature", false)) {
    if (signature->size() > max_signature_length)
      in.report("signature", "must be at most " +
                                 std::to_string(max_signature_length) +
                                 " characters");
    else
      out.signature = *signature;
  }
  if (auto key = in.string("public_key", false)) {
    if (key->size() > max_signature_length)
      in.report("public_key", "must be at most " +
                                  std::to_string(max_signature_length) +
                                  " characters");
    else
      out.public_key = *key;
  }
  // A key proves nothing without a signature made with it.
  if (in.present("public_key") && !in.filled("signature"))
    in.report("public_key", "is only allowed with a signature");
  in.unknown_fields();
  return out;
}

} // namespace

outcome<parsed_intent> parse_intent(std::string_view body,
                                    const token_registry& tokens,
                                    const validation_limits& limits,
                                    time_us now) {
  if (body.size() > limits.max_body)
    return problem{errc::payload_too_large,
                   "The request body is larger than " +
                       std::to_string(limits.max_body) + " bytes",
                   {{"body", "larger than " + std::to_string(limits.max_body) +
                                 " bytes"}}};
  json_document doc = read_json(body, max_depth);
  if (doc.syntax_error)
    return invalid({{"body", *doc.syntax_error}});
  if (!doc.value.is_object())
    return invalid({{"body", "must be a JSON object"}});
  field_reader in{doc, tokens, limits, now};
  in.details = doc.duplicates;
  intent value = read_intent(in, limits);
  if (!in.details.empty())
    return invalid(std::move(in.details));
  return parsed_intent{std::move(value), sha256_hex(doc.value.dump())};
}

bool valid_account(std::string_view account) {
  if (account.size() < 2 || account.size() > 64)
    return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  };
  bool after_separator = true;
  for (char c : account) {
    if (alnum(c)) {
      after_separator = false;
    } else if (c == '.' || c == '_' || c == '-') {
      if (after_separator)
        return false;
      after_separator = true;
    } else {
      return false;
    }
  }
  return !after_separator;
}

bool valid_intent_id(std::string_view id, uint32_t max_len) {
  if (id.empty() || id.size() > max_len)
    return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string generate_intent_id(time_us now) {
  // 12 hex digits of milliseconds, then 24 random ones: ids made later sort
  // later, so new records land at the end of the store's B-tree, and 96
  // bits from the CSPRNG leave nothing to guess.
  uint64_t ms = static_cast<uint64_t>(now < 0 ? 0 : now / 1000);
  unsigned char bytes[18];
  for (int i = 0; i < 6; ++i)
    bytes[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  if (RAND_bytes(bytes + 6, 12) != 1)
    return {}; // no entropy: better no id than a guessable one
  return "int_" + hex(bytes, sizeof(bytes));
}

std::string generate_intent_id() {
  return generate_intent_id(wall_clock_now());
}

} // namespace intentd
