#pragma once

// The typed interface of every actor of the engine. Messages that another
// node may send are plain data with a type id (actors/message_types.hpp);
// the few that carry a callback are named below, each with why it never
// leaves its process. Steps an actor sends to itself (timers, batches) are
// in its own extended interface, in its .cpp file.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/atoms.hpp"
#include "actors/message_types.hpp"

namespace intentd {

/// A write other than intent records (solver counters, retention sweeps,
/// account keys), run on the storage writer's thread in order with the
/// record batches.
using storage_job = std::function<write_outcome()>;

/// Receives a subscriber's notices, on the notifier's thread: it must not
/// block. Returning false says the subscriber cannot keep up (its queue is
/// full): the notifier drops it with all its subscriptions.
using notice_sink = std::function<bool(const notice&)>;

/// Stored records, read off the cooperative scheduler: one record by id
/// (not_found when there is none), an account's live records, at most
/// `limit` of them, the intent that used an account's nonce, or a page of
/// the live records for recovery.
using record_reader_actor = caf::typed_actor<
    caf::replies_to<get_atom, std::string>::with<record_outcome>,
    caf::replies_to<live_atom, std::string, uint32_t>::with<records_outcome>,
    caf::replies_to<nonce_atom, std::string,
                    uint64_t>::with<nonce_owner_outcome>,
    caf::replies_to<recover_atom, std::string,
                    uint32_t>::with<live_page_outcome>>;

/// The single storage writer: a record is answered once its batch
/// committed; a job runs after the records before it.
using storage_writer_actor = caf::typed_actor<
    caf::replies_to<write_atom, intent_record>::with<write_outcome>,
    caf::replies_to<write_atom, storage_job>::with<write_outcome>>;

/// The one owner of a chain adapter (see spawn_chain).
using chain_actor = caf::typed_actor<
    caf::replies_to<verify_atom, intent>::with<verify_result>,
    caf::replies_to<execute_atom, intent, std::string>::with<execute_result>,
    caf::replies_to<settle_atom, intent, settlement>::with<execute_result>,
    caf::reacts_to<release_atom, std::string>,
    caf::replies_to<status_atom, std::string>::with<chain_intent_state>,
    caf::replies_to<status_atom, std::string,
                    tx_atom>::with<std::optional<chain_tx>>,
    caf::replies_to<status_atom, std::string,
                    execute_atom>::with<std::optional<chain_execution>>,
    caf::replies_to<get_atom, std::string>::with<record_outcome>>;

/// The solver pool: an execution, answered with its result and the id of
/// the solver that ran it; every solver's counters.
using solver_pool_actor = caf::typed_actor<
    caf::replies_to<execute_atom, intent>::with<execute_result, std::string>,
    caf::replies_to<stats_atom>::with<std::vector<solver_report>>>;

/// The auction of external solvers (see spawn_auction): an intent's quotes
/// ranked once its window closes; a quote frame a solver sent (solver id,
/// text, arrival in wall-clock microseconds); a solver that disconnected; a
/// solver that connected and authenticated; what became of a ranked quote
/// (assigned to its solver, settled with the transaction and output amount,
/// or failed with a reason), each told to the solver; every external
/// solver's counters.
using auction_actor = caf::typed_actor<
    caf::replies_to<auction_atom, intent>::with<auction_outcome>,
    caf::reacts_to<quote_atom, std::string, std::string, time_us>,
    caf::reacts_to<gone_atom, std::string>,
    caf::reacts_to<ready_atom, std::string>,
    caf::reacts_to<assigned_atom, std::string, std::string, std::string>,
    caf::reacts_to<settled_atom, std::string, std::string, std::string,
                   std::string>,
    caf::reacts_to<failed_atom, std::string, std::string, std::string>,
    caf::replies_to<stats_atom>::with<std::vector<external_solver_report>>>;

/// The chain level of the status cache: a record as the chain knows it.
using cache_actor = caf::typed_actor<
    caf::replies_to<get_atom, std::string>::with<record_outcome>>;

/// The retention sweeper; a tick starts a sweep now.
using sweeper_actor = caf::typed_actor<caf::reacts_to<tick_atom>>;

/// The rate limiter's refusals per rule.
using rate_limiter_actor =
    caf::typed_actor<caf::replies_to<get_atom>::with<rate_limited_counts>>;

/// The actor of one intent (see spawn_intent). It starts fresh (answered
/// once durable), as a dead letter sent back (answered once durable), or
/// recovered (nobody waits).
using intent_actor = caf::typed_actor<
    caf::replies_to<start_atom>::with<submit_outcome>,
    caf::replies_to<start_atom, retry_atom>::with<record_outcome>,
    caf::reacts_to<start_atom, recover_atom>,
    caf::replies_to<resubmit_atom, std::string>::with<submit_outcome>,
    caf::replies_to<cancel_atom>::with<record_outcome>,
    caf::reacts_to<deadline_atom>,
    caf::replies_to<get_atom>::with<intent_record>>;

/// The directory of intent actors (see spawn_directory).
using directory_actor = caf::typed_actor<
    caf::replies_to<submit_atom, intent, std::string>::with<submit_outcome>,
    caf::replies_to<cancel_atom, std::string>::with<record_outcome>,
    caf::replies_to<retry_atom, std::string>::with<record_outcome>,
    caf::replies_to<purge_atom, std::string>::with<record_outcome>,
    caf::replies_to<recover_atom>::with<uint64_t>,
    caf::replies_to<live_atom>::with<uint64_t>>;

/// The fan-out of transitions to subscribers (see spawn_notifier).
using notifier_actor = caf::typed_actor<
    caf::reacts_to<attach_atom, uint64_t, notice_sink>,
    caf::reacts_to<detach_atom, uint64_t>,
    caf::reacts_to<subscribe_atom, uint64_t, subscription_target, std::string>,
    caf::reacts_to<unsubscribe_atom, uint64_t, subscription_target,
                   std::string>,
    caf::reacts_to<publish_atom, std::vector<intent_update>>,
    caf::replies_to<stats_atom>::with<notifier_stats>>;

} // namespace intentd

// Local only: a job closes over this process's store, and the storage
// writer runs only jobs of its own process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(intentd::storage_job)

// Local only: a sink calls into a subscriber of this process (a WebSocket
// session's queue, an embedder's callback). A subscriber on another node
// attaches through its own node's notifier.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(intentd::notice_sink)
