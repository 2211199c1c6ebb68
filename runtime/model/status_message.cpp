#include "runtime/model/status_message.hpp"

namespace intentd {

namespace {

const char* noun(action_kind action) {
  switch (action) {
  case action_kind::swap:
    return "token swap";
  case action_kind::transfer:
    return "transfer";
  case action_kind::stake:
    return "staking request";
  }
  return "request";
}

} // namespace

std::string status_message(intent_status status, action_kind action,
                           const intent_error* error) {
  std::string what = noun(action);
  switch (status) {
  case intent_status::pending:
    return "Your request is being processed...";
  case intent_status::verified:
    return "Your " + what + " has been verified and funds are reserved.";
  case intent_status::executing:
    return "Executing your " + what + "...";
  case intent_status::completed:
    return "Successfully completed your " + what + "!";
  case intent_status::failed:
    if (error != nullptr && !error->message.empty())
      return "Your " + what + " failed: " + error->message;
    return "Your " + what +
           " failed for a reason the engine did not record. Check its "
           "history, then retry it from the dead letters or submit it "
           "again.";
  case intent_status::expired:
    return "Your " + what +
           " expired before it could be executed. Submit it again with a "
           "later deadline.";
  case intent_status::cancelled:
    return "Your " + what +
           " was cancelled. Nothing was executed and any reserved funds "
           "were released.";
  }
  return "Your request is being processed...";
}

} // namespace intentd
