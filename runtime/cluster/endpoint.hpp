#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include <caf/fwd.hpp>

#include "runtime/cluster/messages.hpp"
#include "runtime/engine/engine.hpp"

namespace intentd {

struct endpoint_options {
  cluster_hello hello; // this node's, answered to a node that says hello
  /// This node's live intents, for heartbeat answers.
  std::function<uint64_t()> live_intents;
  /// Requests from other nodes waiting for the local engine at once; past
  /// it they are answered overloaded.
  uint32_t max_waiting = 10'000;
  /// Asks every node's nonces index which stored intent used an account's
  /// nonce (a problem when a node cannot answer); for reservations.
  std::function<void(const std::string& account, uint64_t nonce,
                     std::function<void(nonce_owner_outcome)>)>
      nonce_anywhere;
  /// How long a reservation holds the nonce for its intent while the
  /// intent is being stored on its owner; after that the nonces index is
  /// the word.
  std::chrono::milliseconds reservation_ttl{10'000};
  /// Reservations kept at once (expired ones make room first).
  std::size_t max_reservations = 100'000;
  /// Stores a submission forwarded to this node as its owner (an id the
  /// client chose); unset: `local`'s submit. The cluster's asks the id's
  /// previous owner first (cluster.previous_nodes).
  std::function<void(intent, std::string body_digest, reply<submit_result>)>
      submit_owned;
};

/// The actor other nodes talk to (published on cluster.listen). It answers
/// a hello (refusing another member list, naming the difference) and hands
/// the caller to `membership`; answers heartbeats; and serves forwarded
/// requests through `local`, the engine of this node, exactly as its own
/// API would (submissions through `submit_owned` when set). `local` must
/// outlive the actor.
///
/// As an account's home node it reserves the nonces of its signed
/// submissions, one at a time per nonce, before the intent's owner stores
/// it: `(reserve, account, nonce, id)` is answered done when no other
/// stored intent used the nonce (every node's index, through
/// `nonce_anywhere`) and no other intent holds a reservation for it, else
/// nonce_reused; a node that cannot answer makes it a problem, never a
/// yes. A reservation whose intent was never stored ends with its ttl.
///
/// As the home node of a client address or an account it counts their
/// rate limits: `(rate, route, subject, keys)` is counted on `local`
/// (engine_core::count_rate of this node's own engine) and answered with
/// its decision.
///
/// As an account's home node it keeps the keys registered to the account
/// over the API: `(keys, account, public_key)` registers one on `local`
/// (engine_core::register_key), `(keys, account)` answers the keys the
/// account holds here (engine_core::account_keys_of).
///
/// On the node that hosts the chain (cluster.chain_node) it runs the other
/// nodes' chain calls on the local engine's chain (engine_core::chain).
cluster_endpoint_actor spawn_endpoint(caf::actor_system& sys,
                                      engine_core& local,
                                      membership_actor membership,
                                      endpoint_options opts);

/// What other nodes reach when they call this node's endpoint: a read by
/// id, `(get, rendered, id)`, of a record `local` holds in memory
/// (engine_core::cached_rendered) is answered on the thread that delivers
/// it (the middleman's, for another node's request), without a trip
/// through an actor's mailbox; so is a batch of them,
/// `(get, rendered, read_batch)`, in one read_batch_reply to its sender
/// for the reads the cache answers, each other read of the batch going to
/// `endpoint` as the single read of its token (a token beyond the batch's
/// ids is answered at once with sec::unexpected_message, as a malformed
/// read). Every other message, and a
/// read the cache cannot answer, goes to `endpoint` unchanged, which
/// answers the caller.
/// `local` must outlive the front until `close`.
class endpoint_front {
public:
  endpoint_front(caf::actor_system& sys, engine_core& local,
                 cluster_endpoint_actor endpoint);
  ~endpoint_front();
  endpoint_front(const endpoint_front&) = delete;
  endpoint_front& operator=(const endpoint_front&) = delete;

  /// Published and given to other nodes instead of the endpoint.
  cluster_endpoint_actor handle() const;
  /// Ends the front: answers nothing from now on, and is answering nothing
  /// once this returns.
  void close();

private:
  caf::actor self_;
};

} // namespace intentd
