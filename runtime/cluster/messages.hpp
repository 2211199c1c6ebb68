#pragma once

// What cluster nodes say to each other: plain data with an inspect overload
// and a type id (a block after the engine's, actors/message_types.hpp), and
// the typed interfaces of the two cluster actors.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/type_id.hpp>
#include <caf/typed_actor.hpp>

#include "actors/atoms.hpp"
#include "actors/message_types.hpp"
#include "config/config.hpp"
#include "runtime/engine/engine.hpp"
#include "runtime/model/cluster_view.hpp"
#include "runtime/model/listing.hpp"
#include "runtime/model/signature_check.hpp"

namespace intentd::cfg {

// Found by argument-dependent lookup, so in the config's namespace.
template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_node& x) {
  return f(caf::meta::type_name("cluster_node"), x.name, x.address, x.http);
}

} // namespace intentd::cfg

namespace intentd {

using hello_atom = caf::atom_constant<caf::atom("hello")>;
using ping_atom = caf::atom_constant<caf::atom("ping")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using dead_atom = caf::atom_constant<caf::atom("dead")>;
using join_atom = caf::atom_constant<caf::atom("join")>;
using lost_atom = caf::atom_constant<caf::atom("lost")>;
using reserve_atom = caf::atom_constant<caf::atom("reserve")>;
using rendered_atom = caf::atom_constant<caf::atom("rendered")>;
using rate_atom = caf::atom_constant<caf::atom("rate")>;
using chain_atom = caf::atom_constant<caf::atom("chain")>;
using keys_atom = caf::atom_constant<caf::atom("keys")>;

/// The version of the messages nodes exchange. Raised whenever a message
/// that crosses nodes changes its fields or their meaning: nodes of
/// different versions refuse each other at hello instead of misreading
/// each other's messages.
inline constexpr uint32_t cluster_protocol = 4;

/// What a node says of itself when it connects: its name and its view of
/// the membership, so that a node with another list is refused by name.
struct cluster_hello {
  std::string node;
  std::string digest; // cfg::membership_digest of its cluster section
  std::vector<cfg::cluster_node> nodes;
  std::string chain_node; // cfg::resolved_chain_node, part of the digest
  uint32_t protocol = cluster_protocol;
};

/// Why a node saying `theirs` cannot join one saying `ours` (another
/// protocol version, or another cluster list: see hello_difference);
/// empty when it can.
std::string hello_refusal(const cluster_hello& ours,
                          const cluster_hello& theirs);

/// One line naming how `theirs` differs from `ours` when their digests
/// differ: the node lists, else the chain node, else the timings or the
/// previous nodes.
std::string hello_difference(const cluster_hello& ours,
                             const cluster_hello& theirs);

/// The answer to a heartbeat.
struct cluster_pong {
  std::string node;
  uint64_t live_intents = 0;
};

/// A read by id as the owner answers it: the JSON its API shows (kept
/// beside its cached record, naming the owner) and the intent's account,
/// whose read limit a read by anyone else spends; `stable_for_us`, how
/// long the owner is sure to answer the same (stable_for: 0 while the
/// record can change, INT64_MAX without end), for the near cache;
/// `from_chain`, whether the owner holds no record of the id and answered
/// the chain's word about it (cache.chain_fallback) instead: the asking
/// node then asks the id's previous owner, which may hold the record.
struct rendered_reply {
  std::string json;
  std::string user_account;
  int64_t stable_for_us = 0;
  bool from_chain = false;
};

/// Reads by id sent to one node in one message: `ids[i]` read as the
/// asking node's request `tokens[i]` (the request id a single read,
/// `(get, rendered, id)`, would carry), so that reads arriving together
/// cross the link, and are read off it, as one message.
struct read_batch {
  std::vector<uint64_t> tokens;
  std::vector<std::string> ids;
};

/// The answers to the reads of a read_batch that the owner could give at
/// once, in one message: `answers[i]` is the answer to `tokens[i]`. The
/// other reads of the batch are answered one by one, each as a response
/// to its token.
struct read_batch_reply {
  std::vector<uint64_t> tokens;
  std::vector<outcome<rendered_reply>> answers;
};

/// At most this many reads in one read_batch.
inline constexpr std::size_t max_read_batch = 256;

/// The raw keys an account holds at its home node.
struct account_key_set {
  std::vector<std::string> keys;
};

using hello_outcome = outcome<cluster_hello>;
using key_set_outcome = outcome<account_key_set>;
/// A key registration's answer: true when the key is new.
using key_added_outcome = outcome<bool>;
using rendered_outcome = outcome<rendered_reply>;
using page_outcome = outcome<record_page>;
using solvers_outcome = outcome<std::vector<solver_view>>;
using rate_outcome = outcome<rate_decision>;

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_hello& x) {
  return f(caf::meta::type_name("cluster_hello"), x.node, x.digest, x.nodes,
           x.chain_node, x.protocol);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_pong& x) {
  return f(caf::meta::type_name("cluster_pong"), x.node, x.live_intents);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, rendered_reply& x) {
  return f(caf::meta::type_name("rendered_reply"), x.json, x.user_account,
           x.stable_for_us, x.from_chain);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, read_batch& x) {
  return f(caf::meta::type_name("read_batch"), x.tokens, x.ids);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, read_batch_reply& x) {
  return f(caf::meta::type_name("read_batch_reply"), x.tokens, x.answers);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, account_key_set& x) {
  return f(caf::meta::type_name("account_key_set"), x.keys);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_query& x) {
  return f(caf::meta::type_name("list_query"), x.user, x.status, x.limit,
           x.cursor);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, record_page& x) {
  return f(caf::meta::type_name("record_page"), x.items, x.next_cursor,
           x.item_cursors);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, cancel_auth& x) {
  return f(caf::meta::type_name("cancel_auth"), x.public_key, x.signature);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, solver_view& x) {
  return f(caf::meta::type_name("solver_view"), x.solver_id, x.attempts,
           x.successes, x.failures, x.success_rate, x.mean_execution_ms,
           x.healthy, x.node, x.kind, x.connected, x.asked, x.answered, x.valid,
           x.won, x.settled, x.failed, x.mean_response_ms,
           x.consecutive_failures, x.resting_until, x.rejected);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, rate_subject& x) {
  return f(caf::meta::type_name("rate_subject"), x.ip, x.user);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, rate_decision& x) {
  return f(caf::meta::type_name("rate_decision"), x.applied, x.allowed, x.rule,
           x.limit, x.remaining, x.reset_s, x.retry_after_s);
}

/// Registers the cluster's message types (and the engine's) with `cfg`.
void add_cluster_message_types(caf::actor_system_config& cfg);

/// A subscriber's relay on another node, as a subscription names it: the
/// endpoint sends it `(publish, notice)` for every notice of the
/// subscription, in order.
using relay_handle = caf::actor;

/// A node's endpoint as its hello names it: the dynamically typed handle
/// (a typed handle cannot name its own type in its interface).
using cluster_endpoint_actor_fwd = caf::actor;

/// What every node publishes on cluster.listen: the requests another node
/// forwards to the owner of an intent (answered exactly as the owner's own
/// API answers them; `(get, rendered, id)` with the owner's rendering of
/// the record rather than the record), the heartbeat, the hello of a connecting
/// node, the nonce checks of signed submissions (`nonce`: this node's nonces
/// index; `reserve`: at the account's home node, see endpoint.hpp), rate-limit
/// counts of the keys whose home this node is (`rate`: route, subject,
/// keys), the keys of the accounts whose home this node is (`keys,
/// account, public_key`: registers a key here; `keys, account`: the keys
/// the account holds here), and
/// subscriptions of subscribers on other nodes (their notices go to the
/// relay each names, until it unsubscribes or its node goes away), and
/// the other nodes' chain calls when this node hosts the chain. Reads by
/// id also come as `(get, rendered, read_batch)`, a message without a
/// request id that the endpoint_front answers (see endpoint.hpp).
using cluster_endpoint_actor = caf::typed_actor<
    caf::replies_to<hello_atom, cluster_hello,
                    cluster_endpoint_actor_fwd>::with<hello_outcome>,
    caf::replies_to<ping_atom, std::string>::with<cluster_pong>,
    caf::replies_to<submit_atom, intent, std::string>::with<submit_outcome>,
    caf::replies_to<get_atom, std::string>::with<record_outcome>,
    caf::replies_to<get_atom, rendered_atom,
                    std::string>::with<rendered_outcome>,
    caf::replies_to<cancel_atom, std::string,
                    std::optional<cancel_auth>>::with<record_outcome>,
    caf::replies_to<tx_atom, std::string>::with<record_outcome>,
    caf::replies_to<list_atom, list_query>::with<page_outcome>,
    caf::replies_to<dead_atom, uint32_t>::with<records_outcome>,
    caf::replies_to<retry_atom, std::string>::with<record_outcome>,
    caf::replies_to<purge_atom, std::string>::with<record_outcome>,
    caf::replies_to<stats_atom>::with<solvers_outcome>,
    caf::replies_to<nonce_atom, std::string,
                    uint64_t>::with<nonce_owner_outcome>,
    caf::replies_to<reserve_atom, std::string, uint64_t,
                    std::string>::with<write_outcome>,
    caf::replies_to<rate_atom, uint8_t, rate_subject,
                    uint8_t>::with<rate_outcome>,
    caf::replies_to<keys_atom, std::string,
                    std::string>::with<key_added_outcome>,
    caf::replies_to<keys_atom, std::string>::with<key_set_outcome>,
    caf::reacts_to<subscribe_atom, subscription_target, std::string,
                   caf::actor>,
    caf::reacts_to<unsubscribe_atom, subscription_target, std::string,
                   caf::actor>,
    caf::replies_to<chain_atom, chain_call>::with<chain_outcome>>;

/// Keeps the membership: connects to every other node (again, with
/// backoff, whenever a link drops), sends heartbeats, marks nodes up and
/// down. `publish` gives it this node's endpoint (it starts then); `join`
/// hands it the endpoint of a node that connected to us.
using membership_actor = caf::typed_actor<
    caf::reacts_to<publish_atom, cluster_endpoint_actor>,
    caf::reacts_to<join_atom, cluster_hello, cluster_endpoint_actor>,
    caf::reacts_to<tick_atom>>;

} // namespace intentd

CAF_BEGIN_TYPE_ID_BLOCK(intentd_cluster, caf::id_block::intentd_messages::end)

CAF_ADD_TYPE_ID(intentd_cluster, (intentd::cfg::cluster_node))
CAF_ADD_TYPE_ID(intentd_cluster, (std::vector<intentd::cfg::cluster_node>))
CAF_ADD_TYPE_ID(intentd_cluster, (intentd::cluster_hello))
CAF_ADD_TYPE_ID(intentd_cluster, (intentd::hello_outcome))
CAF_ADD_TYPE_ID(intentd_cluster, (intentd::cluster_pong))
CAF_ADD_TYPE_ID(intentd_cluster, (intentd::list_query))
CAF_ADD_TYPE_ID(intentd_cluster, (intentd::record_page))
CAF_ADD_TYPE_ID(intentd_cluster, (intentd::page_outcome))
CAF_ADD_TYPE_ID(intentd_cluster, (intentd::cancel_auth))
CAF_ADD_TYPE_ID(intentd_cluster, (std::optional<intentd::cancel_auth>))
CAF_ADD_TYPE_ID(intentd_cluster, (intentd::solver_view))
CAF_ADD_TYPE_ID(intentd_cluster, (std::vector<intentd::solver_view>))
CAF_ADD_TYPE_ID(intentd_cluster, (intentd::solvers_outcome))
CAF_ADD_TYPE_ID(intentd_cluster, (intentd::rendered_reply))
CAF_ADD_TYPE_ID(intentd_cluster, (intentd::rendered_outcome))
CAF_ADD_TYPE_ID(intentd_cluster, (intentd::read_batch))
CAF_ADD_TYPE_ID(intentd_cluster, (intentd::read_batch_reply))
CAF_ADD_TYPE_ID(intentd_cluster, (intentd::rate_subject))
CAF_ADD_TYPE_ID(intentd_cluster, (intentd::rate_decision))
CAF_ADD_TYPE_ID(intentd_cluster, (intentd::rate_outcome))
CAF_ADD_TYPE_ID(intentd_cluster, (intentd::account_key_set))
CAF_ADD_TYPE_ID(intentd_cluster, (intentd::key_set_outcome))
CAF_ADD_TYPE_ID(intentd_cluster, (intentd::key_added_outcome))

CAF_END_TYPE_ID_BLOCK(intentd_cluster)
