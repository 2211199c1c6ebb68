#pragma once

#include <caf/atom.hpp>

namespace intentd {

// Requests between the engine's actors.
using submit_atom = caf::atom_constant<caf::atom("submit")>;
using resubmit_atom = caf::atom_constant<caf::atom("resubmit")>;
using start_atom = caf::atom_constant<caf::atom("start")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;
using recover_atom = caf::atom_constant<caf::atom("recover")>;
using verify_atom = caf::atom_constant<caf::atom("verify")>;
using execute_atom = caf::atom_constant<caf::atom("execute")>;
using settle_atom = caf::atom_constant<caf::atom("settle")>;
using release_atom = caf::atom_constant<caf::atom("release")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using deadline_atom = caf::atom_constant<caf::atom("deadline")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using write_atom = caf::atom_constant<caf::atom("write")>;
using probe_atom = caf::atom_constant<caf::atom("probe")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using health_atom = caf::atom_constant<caf::atom("health")>;
using tx_atom = caf::atom_constant<caf::atom("tx")>;
using get_atom = caf::get_atom;
using purge_atom = caf::atom_constant<caf::atom("purge")>;
using live_atom = caf::atom_constant<caf::atom("live")>;
using nonce_atom = caf::atom_constant<caf::atom("nonce")>;

// The auction of external solvers.
using auction_atom = caf::atom_constant<caf::atom("auction")>;
using quote_atom = caf::atom_constant<caf::atom("quote")>;
using gone_atom = caf::atom_constant<caf::atom("gone")>;
using ready_atom = caf::atom_constant<caf::atom("ready")>;
using assigned_atom = caf::atom_constant<caf::atom("assigned")>;
using settled_atom = caf::atom_constant<caf::atom("settled")>;
using failed_atom = caf::atom_constant<caf::atom("failed")>;
using close_atom = caf::atom_constant<caf::atom("close")>;

// The notifier's subscribers.
using attach_atom = caf::atom_constant<caf::atom("attach")>;
using detach_atom = caf::atom_constant<caf::atom("detach")>;
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
using unsubscribe_atom = caf::atom_constant<caf::atom("unsubscr")>;
using publish_atom = caf::atom_constant<caf::atom("publish")>;

} // namespace intentd
