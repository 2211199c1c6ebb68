#pragma once

// A submission of a client-chosen id that moved to this node when a node
// was added (cluster.previous_nodes): its previous owner may hold it.

#include <functional>
#include <string>

#include "runtime/engine/engine.hpp"

namespace intentd {

/// What submit_moved_id asks of the node and of the id's previous owner.
struct moved_id_calls {
  /// The record this node holds for the id (engine_core::get).
  std::function<void(reply<intent_record>)> read_here;
  /// The previous owner's record for the id (a forwarded get).
  std::function<void(reply<intent_record>)> read_previous;
  /// Stores the submission here (engine_core::submit) with that
  /// admission, answering what this node answers.
  std::function<void(engine_core::submit_admission, reply<submit_result>)>
      store_here;
};

/// A record that stands for a stored intent: the chain's word about an id
/// (cache.chain_fallback) carries no body digest and is not one.
inline bool holds_intent(const intent_record& rec) {
  return !rec.body_digest.empty();
}

/// Answers a submission with body digest `body_digest` of an id that this
/// node owns and `previous_node` owned before the last node was added, as
/// one node answers a submission of an id it holds:
/// - held here (stored since the change): stored here, which answers it;
/// - held by the previous owner with the same body: 200, its record, whose
///   `node` names it;
/// - held there with another body: 409 conflict, after the checks a
///   submission here passes (stored here with an admission that refuses
///   it once `admit` lets it go on);
/// - held by neither: stored here with `admit`;
/// - the previous owner cannot be asked (down, busy, no answer in time):
///   503 node_unavailable, never stored here; another problem of it is
///   the answer.
/// `done` is called exactly once.
void submit_moved_id(const std::string& previous_node, std::string body_digest,
                     engine_core::submit_admission admit, moved_id_calls calls,
                     reply<submit_result> done);

} // namespace intentd
