#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "runtime/model/transition.hpp"

using namespace intentd;

namespace {

constexpr auto P = intent_status::pending;
constexpr auto V = intent_status::verified;
constexpr auto X = intent_status::executing;
constexpr auto C = intent_status::completed;
constexpr auto F = intent_status::failed;
constexpr auto E = intent_status::expired;
constexpr auto K = intent_status::cancelled;
constexpr std::optional<intent_status> no = std::nullopt;

// Rows: statuses in declaration order. Columns: verify_ok, verify_failed,
// dispatch, execute_ok, execute_failed, deadline, cancel, retry, abandon.
const std::optional<intent_status>
    expected[intent_status_count][intent_event_count] = {
        /* pending   */ {V, F, no, no, no, E, K, no, F},
        /* verified  */ {no, no, X, no, no, E, K, no, F},
        /* executing */ {no, no, no, C, F, no, no, no, F},
        /* completed */ {no, no, no, no, no, no, no, no, no},
        /* failed    */ {no, no, no, no, no, no, no, P, no},
        /* expired   */ {no, no, no, no, no, no, no, no, no},
        /* cancelled */ {no, no, no, no, no, no, no, no, no},
};

const char* const status_names[intent_status_count] = {
    "pending", "verified", "executing", "completed",
    "failed",  "expired",  "cancelled",
};

} // namespace

TEST_CASE("next_status matches the table for every status and event") {
  int legal = 0;
  for (int s = 0; s < intent_status_count; ++s) {
    for (int e = 0; e < intent_event_count; ++e) {
      auto from = static_cast<intent_status>(s);
      auto ev = static_cast<intent_event>(e);
      CAPTURE(status_names[s]);
      CAPTURE(to_string(ev));
      auto got = next_status(from, ev);
      CHECK(got == expected[s][e]);
      if (got)
        ++legal;
    }
  }
  CHECK(legal == 13);
}

TEST_CASE("terminal statuses other than failed accept no event") {
  for (auto from : {C, E, K})
    for (int e = 0; e < intent_event_count; ++e)
      CHECK_FALSE(next_status(from, static_cast<intent_event>(e)));
}

TEST_CASE("events have snake_case names") {
  CHECK(std::string(to_string(intent_event::verify_ok)) == "verify_ok");
  CHECK(std::string(to_string(intent_event::verify_failed)) == "verify_failed");
  CHECK(std::string(to_string(intent_event::dispatch)) == "dispatch");
  CHECK(std::string(to_string(intent_event::execute_ok)) == "execute_ok");
  CHECK(std::string(to_string(intent_event::execute_failed)) ==
        "execute_failed");
  CHECK(std::string(to_string(intent_event::deadline)) == "deadline");
  CHECK(std::string(to_string(intent_event::cancel)) == "cancel");
  CHECK(std::string(to_string(intent_event::retry)) == "retry");
  CHECK(std::string(to_string(intent_event::abandon)) == "abandon");
}
