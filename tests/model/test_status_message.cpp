#include <doctest/doctest.h>

#include "runtime/model/chain_adapter.hpp"
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
        "Your transfer failed for a reason the engine did not record. Check "
        "its history, then retry it from the dead letters or submit it "
        "again.");
}

TEST_CASE("expired and cancelled") {
  CHECK(status_message(intent_status::expired, action_kind::swap) ==
        "Your token swap expired before it could be executed. Submit it "
        "again with a later deadline.");
  CHECK(status_message(intent_status::cancelled, action_kind::swap) ==
        "Your token swap was cancelled. Nothing was executed and any "
        "reserved funds were released.");
  CHECK(status_message(intent_status::cancelled, action_kind::transfer) ==
        "Your transfer was cancelled. Nothing was executed and any reserved "
        "funds were released.");
}

TEST_CASE("every status and action has a sentence; endings say what next") {
  const action_kind actions[] = {action_kind::swap, action_kind::transfer,
                                 action_kind::stake};
  const char* nouns[] = {"token swap", "transfer", "staking request"};
  for (int s = 0; s < intent_status_count; ++s)
    for (int a = 0; a < 3; ++a) {
      auto status = static_cast<intent_status>(s);
      auto text = status_message(status, actions[a]);
      CAPTURE(text);
      CHECK(!text.empty());
      CHECK(text.back() != ' ');
      if (status != intent_status::pending)
        CHECK(text.find(nouns[a]) != std::string::npos);
      // Failed and expired ones say what to do next.
      if (status == intent_status::failed || status == intent_status::expired)
        CHECK((text.find("retry") != std::string::npos ||
               text.find("Submit") != std::string::npos));
    }
}

TEST_CASE("every chain failure gives a reason and a next step") {
  for (auto fault :
       {chain_fault::reverted, chain_fault::slippage,
        chain_fault::insufficient_funds, chain_fault::unknown_token,
        chain_fault::not_verified, chain_fault::expired}) {
    intent_error err{to_string(fault), describe(fault)};
    auto text = status_message(intent_status::failed, action_kind::stake, &err);
    CAPTURE(text);
    CHECK(text.rfind("Your staking request failed: ", 0) == 0);
    CHECK((text.find("Submit") != std::string::npos ||
           text.find("submit") != std::string::npos));
  }
}
