#include "runtime/model/chain_adapter.hpp"

namespace intentd {

bool is_retryable(chain_fault fault) {
  switch (fault) {
  case chain_fault::network_error:
  case chain_fault::timeout:
  case chain_fault::nonce_too_low:
  case chain_fault::storage_unavailable:
  case chain_fault::unreachable:
    return true;
  default:
    return false;
  }
}

bool is_storage_wait(chain_fault fault) {
  return fault == chain_fault::storage_unavailable;
}

bool is_wait(chain_fault fault) {
  return fault == chain_fault::storage_unavailable ||
         fault == chain_fault::unreachable;
}

const char* to_string(chain_fault fault) {
  switch (fault) {
  case chain_fault::none:
    return "none";
  case chain_fault::network_error:
    return "network_error";
  case chain_fault::timeout:
    return "timeout";
  case chain_fault::nonce_too_low:
    return "nonce_too_low";
  case chain_fault::reverted:
    return "reverted";
  case chain_fault::slippage:
    return "slippage";
  case chain_fault::insufficient_funds:
    return "insufficient_funds";
  case chain_fault::unknown_token:
    return "unknown_token";
  case chain_fault::already_executed:
    return "already_executed";
  case chain_fault::not_verified:
    return "not_verified";
  case chain_fault::expired:
    return "expired";
  case chain_fault::storage_unavailable:
    return "storage_unavailable";
  case chain_fault::unreachable:
    return "unreachable";
  }
  return "unknown";
}

std::string describe(chain_fault fault) {
  switch (fault) {
  case chain_fault::none:
    return "The chain accepted the request.";
  case chain_fault::network_error:
    return "The chain could not be reached. The request will be retried; "
           "no action is needed.";
  case chain_fault::timeout:
    return "The chain did not answer in time. The request will be retried; "
           "no action is needed.";
  case chain_fault::nonce_too_low:
    return "The chain rejected a stale nonce. The request will be retried "
           "with a fresh one; no action is needed.";
  case chain_fault::reverted:
    return "The transaction was reverted on chain and only gas was "
           "charged. Check your balances and submit the request again.";
  case chain_fault::slippage:
    return "The price moved beyond your slippage limit. Submit again with "
           "a lower minimum output or a higher max_slippage.";
  case chain_fault::insufficient_funds:
    return "Your balance does not cover the amount plus gas. Top up your "
           "account or submit a smaller amount.";
  case chain_fault::unknown_token:
    return "The chain does not know one of the tokens. Submit again with a "
           "supported token.";
  case chain_fault::already_executed:
    return "This intent has already been executed on chain. Nothing more "
           "to do; check its transactions.";
  case chain_fault::not_verified:
    return "The chain holds no reservation for this intent. Submit it "
           "again so that it is verified first.";
  case chain_fault::expired:
    return "The deadline passed before the chain could execute it. Submit "
           "it again with a later deadline.";
  case chain_fault::storage_unavailable:
    return "The chain cannot store its block for now (its disk is full). "
           "The request waits and goes on by itself once there is room.";
  case chain_fault::unreachable:
    return "The cluster node that hosts the chain cannot be reached. The "
           "request waits and goes on by itself once it is back.";
  }
  return "The chain reported an unknown error. Submit the request again.";
}

const char* to_string(chain_intent_state state) {
  switch (state) {
  case chain_intent_state::unknown:
    return "unknown";
  case chain_intent_state::reserved:
    return "reserved";
  case chain_intent_state::executed:
    return "executed";
  case chain_intent_state::reverted:
    return "reverted";
  case chain_intent_state::released:
    return "released";
  }
  return "unknown";
}

} // namespace intentd
