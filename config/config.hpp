#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace intentd::cfg {

/// One token the engine knows. Prices are decimal strings in a common unit
/// (for the simulated chain's swap table), never floating point.
struct token {
  std::string id;
  uint32_t decimals = 0;
  std::string price = "1";
};

struct server {
  std::string listen = "127.0.0.1:8080";
  uint32_t threads = 2;
  uint64_t body_limit = 64 * 1024;
  uint32_t header_limit = 8 * 1024;
  uint32_t read_timeout_ms = 10'000;
  uint32_t idle_timeout_ms = 60'000;
  uint32_t max_connections = 10'000;
  uint32_t request_timeout_ms = 10'000;
  uint32_t shutdown_grace_ms = 4'000;
  /// Engine requests (submit, cancel, ...) waiting for an answer at once;
  /// past it, 503 with Retry-After.
  uint32_t max_in_flight = 50'000;
};

struct storage {
  std::string path = "./data";
  bool sync = true;
  /// Initial size of the memory map.
  uint64_t map_size_mb = 4096;
  /// The map doubles when full, up to this size (below map_size_mb: the
  /// map never grows).
  uint64_t max_map_size_mb = 65536;
  /// Terminal intents (not dead letters) are deleted this long after their
  /// last update; 0 keeps them forever.
  uint32_t retention_s = 7 * 24 * 3600;
  /// Most records one retention sweep deletes in one write transaction.
  uint32_t purge_batch = 500;
  /// Most intent writes one group commit holds.
  uint32_t max_batch = 1024;
  /// Microseconds the first write of a group commit waits for more to
  /// join before the commit starts; 0 starts it once the writes already
  /// queued joined.
  uint32_t max_wait_us = 0;
  /// How durable state reaches the disk: "lmdb" (a transaction per group
  /// commit) or "log" (an append to the write log, checkpointed into
  /// LMDB).
  std::string write_path = "lmdb";
  /// write_path log: a checkpoint is due this long after the last one, or
  /// at this many intents not yet checkpointed, or this much log since the
  /// last one, whichever comes first.
  uint32_t checkpoint_interval_ms = 1000;
  uint32_t checkpoint_records = 100'000;
  uint32_t checkpoint_log_mb = 64;
};

struct simulated_chain {
  uint32_t latency_ms = 20;
  double failure_rate = 0.0;
  double revert_rate = 0.0;
  uint64_t seed = 42;
  /// Starting balance of every token for a new account, in whole tokens.
  std::string initial_balance = "1000000";
  uint64_t gas_per_execution = 30'000;
  /// Cost of one gas unit, in base units of the input token.
  uint64_t gas_price = 1;
  /// Sync the chain's journal to disk per block when storage.sync is on.
  /// Off, the journal still survives a crash of intentd, not of the machine:
  /// it stands in for a remote chain, whose durability is not intentd's.
  bool journal_sync = true;
  /// How the journal reaches the disk: "lmdb" (each block one synced LMDB
  /// transaction) or "log" (each block one append to a log, checkpointed
  /// into LMDB in large transactions; docs/durability.md).
  std::string journal = "lmdb";
  /// With `journal: log`: while a checkpoint fails and its layer waits,
  /// new chain events are refused (storage_unavailable) once what waits
  /// for LMDB is past this many times the checkpoint thresholds (events
  /// and descriptions, log bytes); the bound of the memory it holds.
  uint32_t journal_refuse_factor = 4;
};

struct chain {
  std::string kind = "simulated";
  simulated_chain simulated;
};

struct retry {
  uint32_t max_attempts = 5;
  uint32_t base_delay_ms = 1'000;
  uint32_t max_delay_ms = 30'000;
  /// Share of each delay drawn at random, in [0, 1].
  double jitter = 0.2;
};

/// A solver outside the process, allowed to connect at
/// GET /api/v1/solver-ws when it proves `public_key`.
struct external_solver {
  std::string solver_id;
  std::string public_key; // 64 hex digits, ed25519
  std::string account;    // pays the output of the intents it wins
};

struct solvers {
  uint32_t count = 3;
  cfg::retry retry;
  /// Consecutive failures after which a solver is skipped for a while.
  uint32_t failover_after = 3;
  uint32_t cooldown_ms = 5'000;
  std::vector<external_solver> external;
  /// How long quotes from external solvers are collected for one intent.
  uint32_t quote_window_ms = 1'000;
  /// For this long after start, quote requests wait for the configured
  /// external solvers to connect; 0: never.
  uint32_t reconnect_grace_ms = 5'000;
};

struct validation {
  /// Largest amount of any token in one intent, in whole tokens.
  std::string max_amount = "1000000000";
  uint32_t max_lifetime_s = 7 * 24 * 3600;
  uint32_t default_lifetime_s = 3600;
  uint32_t max_id_length = 64;
};

struct intents {
  /// Live (non-terminal) intents held at once; past it, 503.
  uint32_t max_live = 200'000;
  /// Restarts of one crashed intent actor within the window.
  uint32_t restart_limit = 3;
  uint32_t restart_window_ms = 60'000;
};

struct notifier {
  /// Subscriptions (intents and users) one WebSocket connection may hold.
  uint32_t max_subscriptions_per_connection = 100;
  /// Messages waiting to be written to one connection; past it the
  /// connection is closed with 1013 (a slow consumer).
  uint32_t max_queued_messages = 256;
  /// A ping goes out after this long without a frame from the client; the
  /// connection closes after twice this long.
  uint32_t ping_interval_ms = 30'000;
  /// Largest frame a client may send.
  uint32_t max_message_bytes = 4096;
  /// SO_SNDBUF of each WebSocket connection; 0 keeps the system's.
  uint32_t send_buffer_bytes = 0;
};

/// One rate-limit rule: `limit` requests per `window_s` seconds per key.
struct rate_rule {
  std::string name;
  std::string key = "ip";                       // ip, user_account, global
  std::vector<std::string> routes = {"submit"}; // submit, read, websocket
  uint32_t limit = 20;
  uint32_t window_s = 900;
  std::string algorithm = "sliding_window"; // or token_bucket
};

struct rate_limits {
  bool enabled = true;
  /// Peers whose X-Forwarded-For header is believed.
  std::vector<std::string> trusted_proxies;
  /// Client addresses and API keys no rule applies to.
  std::vector<std::string> allow_ips;
  std::vector<std::string> allow_api_keys;
  std::string api_key_header = "X-API-Key";
  /// Keys each rule tracks at most; the least recently seen go first.
  uint32_t max_keys = 100'000;
  std::vector<rate_rule> rules = {
      {"submit_per_ip", "ip", {"submit"}, 20, 900, "sliding_window"},
      {"user_requests",
       "user_account",
       {"submit", "read"},
       100,
       60,
       "sliding_window"},
  };
};

/// The status cache in front of storage for GET /api/v1/intents/{id}.
struct cache {
  bool enabled = true;
  uint32_t ttl_ms = 30'000;
  uint32_t capacity = 10'000;
  /// Ask the chain about ids this node does not hold.
  bool chain_fallback = true;
};

struct logging {
  std::string level = "info";  // trace, debug, info, warn, error, off
  std::string format = "text"; // text, json
};

/// A public key registered to an account at start-up.
struct account_key {
  std::string account;
  std::string public_key; // 64 hex digits, ed25519
};

struct security {
  /// Every submission and cancellation must carry the owner's ed25519
  /// signature. False only for trying intentd out (a warning says so).
  bool require_signatures = false;
  /// Keys for the admin endpoints (Authorization: Bearer / X-API-Key).
  /// None: admin endpoints answer only loopback clients.
  std::vector<std::string> admin_api_keys;
  /// Public keys registered to accounts on the simulated chain at start.
  std::vector<account_key> keys;
  /// Who may read what: "owner" (listing an account and following it live
  /// need a read token of the account or an admin key; dead letters need an
  /// admin key) or "open" (anyone reads anything; a warning says so).
  std::string read_access = "owner";
  /// Longest life of a read token, from issue to expiry.
  uint32_t read_token_max_ttl_s = 900;
};

struct engine {
  /// Worker threads of the actor scheduler; 0 picks them from the hardware
  /// threads (at least 2, at most 4).
  uint32_t scheduler_threads = 0;
};

/// One node of a cluster, as every node's list names it.
struct cluster_node {
  std::string name;    // unique; what records carry in "node"
  std::string address; // host:port of its middleman (cluster.listen)
  std::string http;    // host:port of its HTTP API (its server.listen)
};

/// Static membership: the same `nodes` list on every node. No `node`: a
/// single node, no cluster.
struct cluster {
  std::string node;   // this node's name, one of nodes[]
  std::string listen; // the middleman's host:port; this node's address
  std::vector<cluster_node> nodes;
  uint32_t heartbeat_interval_ms = 500;
  /// A node silent this long is down.
  uint32_t node_timeout_ms = 2'000;
  /// The node that hosts the simulated chain; empty: the first of nodes.
  std::string chain_node;
  /// Longest wait for a node's answer to a forwarded request.
  uint32_t forward_timeout_ms = 5'000;
  /// The names of the nodes before the last node was added, while intents
  /// stored before that change may still be resubmitted or followed; empty:
  /// no change to account for.
  std::vector<std::string> previous_nodes;
  /// Renderings of ended records other nodes own kept to answer reads by
  /// id without a hop (the near cache); 0 keeps none.
  uint32_t near_cache_entries = 10'000;
  /// Longest time the near cache keeps one rendering.
  uint32_t near_cache_ttl_ms = 60'000;

  bool enabled() const { return !node.empty(); }
};

struct config {
  cfg::server server;
  cfg::storage storage;
  cfg::chain chain;
  cfg::solvers solvers;
  std::vector<token> tokens = {
      {"usdc.near", 6, "1"},
      {"usdt.near", 6, "1"},
      {"wrap.near", 24, "5"},
  };
  cfg::validation validation;
  cfg::intents intents;
  cfg::notifier notifier;
  cfg::rate_limits rate_limits;
  cfg::cache cache;
  cfg::logging logging;
  cfg::security security;
  cfg::engine engine;
  cfg::cluster cluster;
};

} // namespace intentd::cfg
