#pragma once

#include <memory>

#include <caf/fwd.hpp>

#include "actors/messages.hpp"

namespace intentd {

/// Spawns the actor of one intent from its record (fresh, recovered from
/// storage, or a dead letter sent back). Its first message must be
/// `(start_atom, intent_start)`; for `fresh` and `retried` the reply is the
/// submit_outcome / record_outcome once the record is durable.
///   (resubmit_atom, digest) -> submit_outcome (409 on another body)
///   (cancel_atom)           -> record_outcome (not_cancellable after verify)
///   (deadline_atom)         -> expires it when still pending or verified
///   (get_atom)              -> intent_record
/// Every transition is persisted through the writer before its effects; a
/// failed write ends the actor with an error so its supervisor restarts it
/// from the last durable snapshot. It quits once terminal.
caf::actor spawn_intent(caf::local_actor* parent, intent_record rec,
                        std::shared_ptr<const intent_deps> deps);

} // namespace intentd
