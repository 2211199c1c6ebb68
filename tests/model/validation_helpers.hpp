#pragma once

// Bodies and checks shared by the validation tests.

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/model/time.hpp"
#include "runtime/model/validation.hpp"

namespace validation_test {

using namespace intentd;
using nlohmann::json;

inline constexpr time_us sec = 1'000'000;
// 2026-11-22T10:00:00Z
inline constexpr time_us now = 1795341600 * sec;

inline const token_registry tokens{{{"NEAR", 24, 5'000'000'000},
                                    {"USDC", 6, 1'000'000'000},
                                    {"WETH", 18, 3'000'000'000'000}}};

inline json swap_body() {
  return {{"user_account", "alice.near"}, {"action", "swap"},
          {"input_token", "NEAR"},        {"input_amount", "1.5"},
          {"output_token", "USDC"},       {"min_output_amount", "7.25"}};
}

inline json transfer_body() {
  return {{"user_account", "alice.near"},
          {"action", "transfer"},
          {"input_token", "USDC"},
          {"input_amount", "10.5"},
          {"recipient", "bob.near"}};
}

inline outcome<parsed_intent> parse(std::string_view body,
                                    const validation_limits& limits = {}) {
  return parse_intent(body, tokens, limits, now);
}

inline parsed_intent accept(const json& body) {
  auto result = parse(body.dump());
  if (!result)
    for (const auto& d : result.error().details)
      MESSAGE(d.field << ": " << d.problem);
  REQUIRE(result);
  return *result;
}

// The details of a refused body.
inline std::vector<field_problem> refuse_text(std::string_view body) {
  auto result = parse(body);
  REQUIRE_FALSE(result);
  CHECK(result.error().code == errc::invalid_intent);
  CHECK(result.error().message ==
        "The intent is invalid: " +
            std::to_string(result.error().details.size()) + " problem(s)");
  return result.error().details;
}

inline std::vector<field_problem> refuse(const json& body) {
  return refuse_text(body.dump());
}

// The single problem reported for a body.
inline field_problem only(const json& body) {
  auto details = refuse(body);
  REQUIRE(details.size() == 1);
  return details[0];
}

inline bool has(const std::vector<field_problem>& details,
                const std::string& field, const std::string& problem) {
  return std::find(details.begin(), details.end(),
                   field_problem{field, problem}) != details.end();
}

} // namespace validation_test
