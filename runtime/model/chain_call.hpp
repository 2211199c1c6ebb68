#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "runtime/model/chain_adapter.hpp"
#include "runtime/model/intent.hpp"
#include "runtime/model/problem.hpp"

namespace intentd {

/// Which call of the chain actor's interface a chain_call is.
enum class chain_call_kind : uint8_t {
  verify,    // request
  execute,   // request, solver
  release,   // key: the intent id
  status,    // key: the intent id
  tx,        // key: the transaction hash
  execution, // key: the intent id
  get,       // key: the intent id
  settle,    // request, terms
};

/// One call to the chain, as plain data: how a node without the chain
/// reaches the node that hosts it (cluster.chain_node).
struct chain_call {
  chain_call_kind kind = chain_call_kind::status;
  intent request;     // verify, execute
  std::string solver; // execute
  std::string key;    // the others
  settlement terms;   // settle
};

/// The chain's answer to a chain_call: the field of its kind is set.
struct chain_reply {
  verify_result verified;
  execute_result executed; // execute, settle
  chain_intent_state state = chain_intent_state::unknown;
  std::optional<chain_tx> tx;
  std::optional<chain_execution> execution;
  /// get: the intent as the chain knows it; empty when it never saw it.
  std::optional<intent_record> record;
};

/// A chain call's answer, or why there is none.
using chain_outcome = outcome<chain_reply>;

} // namespace intentd
