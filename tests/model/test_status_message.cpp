#include <doctest/doctest.h>

#include "runtime/model/status_message.hpp"

using namespace intentd;

TEST_CASE("pending and verified messages") {
  CHECK(status_message(intent_status::pending, action_kind::swap) ==
        "Your request is being processed...");
  CHECK(status_message(intent_status::verified, action_kind::swap) ==
        "Your token swap has been verified and funds are reserved.");
  CHECK(status_message(intent_status::verified, action_kind::stake) ==
        "Your staking request has been verified and funds are reserved.");
}

TEST_CASE("executing names the action") {
  CHECK(status_message(intent_status::executing, action_kind::swap) ==
        "Executing your token swap...");
  CHECK(status_message(intent_status::executing, action_kind::transfer) ==
        "Executing your transfer...");
  CHECK(status_message(intent_status::executing, action_kind::stake) ==
        "Executing your staking request...");
}

TEST_CASE("completed names the action") {
  CHECK(status_message(intent_status::completed, action_kind::swap) ==
        "Successfully completed your token swap!");
  CHECK(status_message(intent_status::completed, action_kind::transfer) ==
        "Successfully completed your transfer!");
  CHECK(status_message(intent_status::completed, action_kind::stake) ==
        "Successfully completed your staking request!");
}

TEST_CASE("failed appends the error message") {
  intent_error err{"slippage",
                   "The price moved beyond your slippage limit. Submit again "
                   "with a lower minimum output or a higher max_slippage."};
  CHECK(status_message(intent_status::failed, action_kind::swap, &err) ==
        "Your token swap failed: The price moved beyond your slippage limit. "
        "Submit again with a lower minimum output or a higher max_slippage.");
  CHECK(status_message(intent_status::failed, action_kind::transfer) ==
        "Your transfer failed.");
}

TEST_CASE("expired and cancelled") {
  CHECK(status_message(intent_status::expired, action_kind::swap) ==
        "Your token swap expired before it could be executed. Submit it "
        "again with a later deadline.");
  CHECK(status_message(intent_status::cancelled, action_kind::swap) ==
        "Your token swap was cancelled.");
  CHECK(status_message(intent_status::cancelled, action_kind::transfer) ==
        "Your transfer was cancelled.");
}
