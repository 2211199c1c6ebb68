#pragma once

#include <memory>

#include <caf/fwd.hpp>

#include "actors/messages.hpp"

namespace intentd {

/// Spawns the actor of one intent from its record (fresh, recovered from
/// storage, or a dead letter sent back). Its first message must be a start
/// (see intent_actor): `(start_atom)` for a fresh one and
/// `(start_atom, retry_atom)` for a dead letter are answered with the
/// submit_outcome / record_outcome once the record is durable;
/// `(start_atom, recover_atom)` is answered with nothing.
///   (resubmit_atom, digest) -> submit_outcome (409 on another body)
///   (cancel_atom)           -> record_outcome (not_cancellable after verify)
///   (deadline_atom)         -> expires it when still pending or verified
///   (get_atom)              -> intent_record
/// Every transition is persisted through the writer before its effects; a
/// failed write ends the actor with an error so its supervisor restarts it
/// from the last durable snapshot. It quits once terminal.
intent_actor spawn_intent(caf::local_actor* parent, intent_record rec,
                          std::shared_ptr<const intent_deps> deps);

} // namespace intentd
