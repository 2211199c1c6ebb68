#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/chain.hpp"
#include "actors/chain_proxy.hpp"
#include "actors/directory.hpp"
#include "actors/notifier.hpp"
#include "actors/rate_limit_table.hpp"
#include "actors/solver.hpp"
#include "actors/status_cache.hpp"
#include "actors/storage_writer.hpp"
#include "actors/sweeper.hpp"
#include "config/config.hpp"
#include "persistence/chain_journal_log.hpp"
#include "persistence/intent_store.hpp"
#include "persistence/record_store.hpp"
#include "runtime/engine/signature_gate.hpp"
#include "runtime/model/retry.hpp"
#include "runtime/model/simulated_chain.hpp"
#include "runtime/model/tokens.hpp"
#include "runtime/model/validation.hpp"
#include "runtime/settings/gateway_settings.hpp"

namespace intentd {

/// Every component's settings as the config gives them: the one place the
/// daemon maps cfg::config to its parts. What only exists once they are
/// wired (hooks, actors, counters read from storage) is left empty for the
/// engine to add.
struct component_settings {
  // The domain (runtime/settings/domain_settings.hpp).
  token_registry tokens;
  /// The gateway's validation of submitted intents.
  validation_limits limits;
  simulated_chain_options chain;
  /// The simulated chain's journal, in `<storage.path>/chain`.
  chain_journal_options chain_journal;
  /// `chain.simulated.journal: log`: the journal behind a write log
  /// (persistence/chain_journal_log.hpp).
  bool chain_journal_log = false;
  /// With chain_journal_log: its checkpointer's pauses and its bound on
  /// what waits for a checkpoint, and for tests a clock and faults; the
  /// engine sets `journal`, `log.sync` and `monitor`.
  logged_chain_journal_options chain_journal_checkpoints;

  // The engine: actor system, storage and actors.
  /// Worker threads of the actor scheduler, `engine.scheduler_threads`
  /// with 0 resolved (scheduler_threads_for).
  uint32_t scheduler_threads = 2;
  store_options store;
  /// storage.write_path and its checkpoint keys.
  write_path_options write_path;
  writer_options writer;
  chain_options chain_actor;
  /// On a cluster node that does not host the simulated chain: the proxy
  /// to the node that does, which the engine runs instead of a chain of
  /// its own (and then opens no chain journal). Set by the cluster.
  std::optional<chain_proxy_options> chain_proxy;
  /// On a cluster node: where the keys of an account that the keys here
  /// do not prove a signature with are looked up (the account's home
  /// node). Set by the cluster; null on a single node.
  std::shared_ptr<key_lookup_slot> key_lookup;
  solver_pool_options solver_pool;
  retry_policy retry;
  directory_options directory;
  notifier_options notifier;
  cache_settings cache;
  rate_limit_settings rate_limits;
  /// Only when storage.retention_s is above 0.
  std::optional<sweeper_options> sweeper;
  /// Time the engine has to answer a request (server.request_timeout_ms).
  std::chrono::milliseconds request_timeout{10'000};
  /// Time one solver or chain call may take: twice the chain's latency and
  /// 10 seconds more.
  std::chrono::milliseconds call_timeout{10'040};
  /// Engine requests waiting for an answer at once (server.max_in_flight).
  uint32_t max_in_flight = 50'000;
  /// A recovered intent asks the chain before it executes again: only
  /// retention purges records of executed intents.
  bool ask_chain_first = true;

  // The gateway.
  http_options http;
  ws_options ws;
  solver_ws_options solver_ws;
};

/// Which components settings_of maps and checks.
enum class settings_scope {
  /// All of them: the daemon, the gateway on the engine.
  daemon,
  /// The engine alone, for engine_core::start: an embedder may run it without
  /// the gateway, so the gateway's parts (`limits`, `http`, `ws`) keep
  /// their defaults and their keys (server.listen) are not checked.
  engine,
};

/// The settings of every component for `c`. Throws std::invalid_argument
/// with the first of settings_problems(c) within `scope`.
component_settings settings_of(const cfg::config& c,
                               settings_scope scope = settings_scope::daemon);

/// Each value the config loader accepts but settings_of cannot use (a token
/// price finer than the price table, a listen host that is no IP address),
/// one message naming its key each; empty when settings_of(c) succeeds.
std::vector<std::string> settings_problems(const cfg::config& c);

/// The scheduler's worker threads for `engine.scheduler_threads`: the value
/// itself, or for 0 the hardware threads, at least 2 and at most 4 (the
/// actors share one job queue, whose lock gains little from more threads).
uint32_t scheduler_threads_for(uint32_t configured, unsigned hardware_threads);

/// Sets the scheduler (`s.scheduler_threads` workers sharing one job queue)
/// and the logger of the actor system the engine runs.
void configure_actor_system(caf::actor_system_config& sys_cfg,
                            const component_settings& s);

} // namespace intentd
