#include <algorithm>
#include <chrono>
#include <ctime>
#include <stdexcept>

#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <spdlog/spdlog.h>

#include "actors/auction.hpp"
#include "actors/chain.hpp"
#include "actors/chain_proxy.hpp"
#include "actors/directory.hpp"
#include "actors/notifier.hpp"
#include "actors/rate_limiter.hpp"
#include "actors/record_reader.hpp"
#include "actors/solver.hpp"
#include "actors/storage_writer.hpp"
#include "actors/sweeper.hpp"
#include "persistence/chain_journal_log.hpp"
#include "runtime/engine/engine_impl.hpp"
#include "runtime/model/signing.hpp"
#include "runtime/model/simulated_chain.hpp"
#include "runtime/model/time.hpp"

namespace intentd {

namespace {

using std::chrono::milliseconds;

constexpr milliseconds edge_sweep_interval{10'000};

struct bridge_state {
  /// The timeouts of the requests it makes for the API's threads.
  request_deadlines deadlines;
  static inline const char* name = "bridge";
};

using bridge_actor = caf::stateful_actor<bridge_state>;

caf::behavior bridge_impl(bridge_actor* self) {
  return {
      [=](bridge_call& call) { call(self); },
  };
}

/// The simulated chain with its journal under `<storage.path>/chain`, so
/// that it remembers executions across restarts as a real chain does.
/// On read-only storage no intent can move, so the chain goes without its
/// journal rather than refusing to start: reads are still served. A
/// logged journal reports to `monitor`.
std::unique_ptr<simulated_chain>
open_chain(const component_settings& s, bool read_only,
           std::shared_ptr<chain_journal_monitor> monitor) {
  auto opts = s.chain;
  opts.now = wall_clock_now;
  if (read_only)
    return std::make_unique<simulated_chain>(s.tokens, opts);
  auto logged = s.chain_journal_checkpoints;
  logged.monitor = std::move(monitor);
  auto journal = open_chain_journal(s.chain_journal, s.chain_journal_log,
                                    std::move(logged));
  if (!journal)
    throw std::runtime_error(journal.error().message);
  return std::make_unique<simulated_chain>(s.tokens, opts, std::move(*journal));
}

} // namespace

request_deadlines& bridge_deadlines(caf::event_based_actor* bridge) {
  return static_cast<bridge_actor*>(bridge)->state.deadlines;
}

/// How long past its quote window (and the reconnect grace, during which the
/// auction may hold it) an intent waits for the auction's answer before the
/// built-in solvers take it.
constexpr std::chrono::milliseconds auction_margin{1'000};

void engine_impl::spawn_external_auction(const cfg::config& c) {
  auction_options opts;
  for (const auto& x : c.solvers.external) {
    auto key = from_hex(x.public_key);
    if (!key || key->size() != 32) {
      // The configuration's checks refuse such a key before this point.
      spdlog::error("solver {} is not asked: its public_key is not 64 hex "
                    "digits",
                    x.solver_id);
      continue;
    }
    opts.solvers.push_back({x.solver_id, std::move(*key), x.account});
  }
  opts.tokens = settings_.tokens;
  opts.quote_window_ms = c.solvers.quote_window_ms;
  opts.reconnect_grace_ms = c.solvers.reconnect_grace_ms;
  opts.failover_after = c.solvers.failover_after;
  opts.cooldown_ms = c.solvers.cooldown_ms;
  opts.now = wall_clock_now;
  observe_auction(opts, metrics_);
  auto links = solver_links_;
  opts.channel.connected = [links] { return links->connected(); };
  opts.channel.send = [links](const std::string& id, std::string text) {
    return links->send(id, std::move(text));
  };
  auction_ = spawn_auction(*sys_, std::move(opts));
  // From the connections' threads: a send to the auction never blocks.
  links->on_quote([a = auction_](received_quote q) {
    caf::anon_send(a, quote_atom::value, std::move(q.solver_id),
                   std::move(q.text), q.received_at);
  });
  links->on_gone([a = auction_](const std::string& id) {
    caf::anon_send(a, gone_atom::value, id);
  });
  // Told as the session attaches; it queues `ready` in the same handler and
  // the auction's frames are posted to its thread after, so `ready` is the
  // solver's first frame.
  links->on_connected([a = auction_](const std::string& id) {
    caf::anon_send(a, ready_atom::value, id);
  });
}

engine_impl::engine_impl(const cfg::config& c, component_settings settings,
                         std::unique_ptr<chain_adapter> custom_chain)
    : config_(c), settings_(std::move(settings)) {
  const auto& s = settings_;
  timeout_ = s.request_timeout;
  call_timeout_ = s.call_timeout;

  auto store_opts = s.store;
  store_opts.on_corrupt = [m = metrics_](const problem& p) {
    m->storage_corrupt().inc();
    spdlog::error("{}", p.message);
  };
  auto opened = open_record_store(store_opts, s.write_path);
  if (!opened)
    throw std::runtime_error("cannot open storage at " + s.store.path + ": " +
                             opened.error().message);
  store_ = std::move(opened->store);
  if (store_->path() == write_path::log)
    spdlog::info("storage at {}: write log replayed, {} records into {} "
                 "intents not yet checkpointed, {} ms{}",
                 s.store.path, opened->replayed, opened->table_size,
                 opened->took.count(),
                 opened->torn_bytes > 0
                     ? " (a torn tail of " +
                           std::to_string(opened->torn_bytes) + " bytes cut)"
                     : std::string{});
  observe_store(*metrics_, store_);
  // Before the actor system: a bad seeded key throws with nothing to stop.
  std::unique_ptr<chain_adapter> chain;
  std::shared_ptr<account_keys> keys;
  if (custom_chain) {
    chain = std::move(custom_chain);
    keys = std::make_shared<account_keys>();
  } else if (s.chain_proxy) {
    // The chain is another node's: no ledger and no journal here.
    keys = std::make_shared<account_keys>();
  } else {
    auto began = std::chrono::steady_clock::now();
    auto cpu = std::clock();
    if (s.chain_journal_log && !store_->read_only()) {
      chain_journal_ = std::make_shared<chain_journal_monitor>();
      observe_chain_journal(*metrics_, chain_journal_);
    }
    auto simulated = open_chain(s, store_->read_only(), chain_journal_);
    const auto& replay = simulated->replay_report();
    if (replay.snapshot_refused)
      spdlog::warn("the simulated chain's ledger snapshot is not used: {}",
                   replay.snapshot_refused->message);
    spdlog::info("the simulated chain's journal replayed in {} ms ({} ms of "
                 "CPU): a ledger snapshot at event {}, then {} events",
                 std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - began)
                     .count(),
                 (std::clock() - cpu) * 1000 / CLOCKS_PER_SEC,
                 replay.snapshot_events, replay.events);
    keys = simulated->keys();
    chain = std::move(simulated);
  }
  gate_ = std::make_unique<signature_gate>(c.security, keys);
  // Keys registered over the admin API since the store was made.
  auto kept_keys = store_->load_account_keys();
  if (!kept_keys)
    throw std::runtime_error("cannot read the registered keys from " +
                             s.store.path + ": " + kept_keys.error().message);
  for (const auto& [account, key] : *kept_keys)
    if (auto added = keys->add(account, key); !added)
      spdlog::warn("a registered key of {} is not restored: {}", account,
                   added.error().message);

  configure_actor_system(sys_cfg_, s);
  add_message_types(sys_cfg_);
  sys_ = std::make_unique<caf::actor_system>(sys_cfg_);

  auto store = store_;
  auto writer_opts = s.writer;
  writer_opts.probe = storage_probe(store, s.store.path);
  observe_commits(writer_opts, metrics_, commit_health_);
  writer_ = spawn_storage_writer(
      *sys_,
      [store](const std::vector<intent_record>& recs) {
        return store->put(recs);
      },
      std::move(writer_opts));
  auto chain_opts = s.chain_actor;
  chain_opts.on_commit = [health = commit_health_](bool ok) {
    health->chain_ok = ok;
  };
  if (chain) {
    chain_settles_ = chain->settles();
    chain_ = spawn_chain(*sys_, std::move(chain), std::move(chain_opts));
  } else {
    chain_settles_ = s.chain_proxy->settles;
    chain_ = spawn_chain_proxy(*sys_, *s.chain_proxy);
  }
  if (!c.solvers.external.empty() && !chain_settles_)
    spdlog::warn("solvers.external is ignored: the chain cannot settle for "
                 "external solvers");
  if (!c.solvers.external.empty() && chain_settles_)
    spawn_external_auction(c);
  auto pool_opts = s.solver_pool;
  auto stats = store_->load_solver_stats();
  if (!stats)
    throw std::runtime_error("cannot read the solver counters from " +
                             s.store.path + ": " + stats.error().message);
  pool_opts.initial_stats = std::move(*stats);
  pool_opts.writer = writer_;
  pool_opts.save = [store](const std::vector<solver_stats>& stats) {
    return store->put_solver_stats(stats);
  };
  observe_solvers(pool_opts, metrics_);
  pool_ = spawn_solver_pool(*sys_, chain_, pool_opts);

  // Subscriptions and the directory (recovery too) read stored records on
  // the reader's own thread, never on the scheduler the notifier and the
  // directory run on.
  reader_ = spawn_record_reader(
      *sys_,
      [store](const std::string& id) {
        auto found = store->find(id);
        if (!found)
          return record_outcome{found.error()};
        if (*found)
          return record_outcome{std::move(**found)};
        return record_outcome{no_such_intent(id)};
      },
      list_live_of(store), nonce_owner_of(store), live_pages_of(store));
  auto note_opts = s.notifier;
  note_opts.active = std::make_shared<std::atomic<uint64_t>>(0);
  notifier_ = spawn_notifier(*sys_, reader_, note_opts);
  link_ = std::make_shared<notifier_link>(notifier_);

  intent_deps deps;
  deps.on_transition = make_notifier_hook(
      notifier_, std::make_shared<const token_registry>(s.tokens),
      note_opts.active);
  deps.writer = writer_;
  deps.chain = chain_;
  deps.solvers = pool_;
  deps.retry = s.retry;
  deps.now = wall_clock_now;
  deps.call_timeout = call_timeout_;
  deps.ask_chain_first = s.ask_chain_first;
  deps.auction = auction_;
  deps.auction_timeout =
      std::chrono::milliseconds{c.solvers.quote_window_ms} +
      std::chrono::milliseconds{c.solvers.reconnect_grace_ms} + auction_margin;
  cache_ = std::make_shared<status_cache>(s.cache);
  // The cache first: whoever a notice reaches reads what it announces.
  deps.on_transition = [cache = cache_, next = deps.on_transition](
                           const intent_record& stored, uint64_t previous) {
    cache->update(stored, wall_clock_now());
    if (next)
      next(stored, previous);
  };
  limiter_ = std::make_shared<rate_limiter>(s.rate_limits);
  limiter_actor_ =
      spawn_rate_limiter(*sys_, limiter_, edge_sweep_interval, wall_clock_now);
  cache_actor_ = spawn_cache(*sys_, cache_, chain_, edge_sweep_interval,
                             call_timeout_, wall_clock_now);
  max_in_flight_ = s.max_in_flight;
  observe_edge(*metrics_, limiter_, cache_);
  deps.on_transition = observe_transitions(metrics_, deps.on_transition);
  deps.on_storage_wait = [m = metrics_] { m->storage_waits().inc(); };
  auto dir_opts = s.directory;
  dir_opts.reader = reader_;
  dir_opts.purge_dead_letter = [store](const std::string& id) {
    return store->purge_dead_letter(id);
  };
  observe_directory(dir_opts, *metrics_);
  directory_ = spawn_directory(*sys_, deps, dir_opts);
  bridge_ = sys_->spawn(bridge_impl);

  if (s.sweeper)
    sweeper_ = spawn_sweeper(
        *sys_, writer_,
        [store](time_us cutoff, size_t batch) {
          return store->purge_terminal_before(cutoff, batch);
        },
        wall_clock_now, *s.sweeper);

  if (store_->read_only()) {
    spdlog::error("storage at {} is read-only: serving reads only, no "
                  "intent is accepted or moves until it is writable",
                  s.store.path);
    return;
  }
  // Recovery runs in the background; /readyz answers 503 until it is done.
  bridge_call recover = [this](caf::event_based_actor* self) {
    auto began = std::chrono::steady_clock::now();
    self->request(directory_, caf::infinite, recover_atom::value)
        .then(
            [this, began](uint64_t count) {
              spdlog::info(
                  "ready: {} live intents recovered in {} ms", count,
                  std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - began)
                      .count());
              // The log's checkpoints, held while recovery read, may run.
              store_->recovered();
              ready_ = true;
            },
            [this](caf::error& err) {
              if (stopped_)
                return; // stop() came first: nothing failed
              // Not partial in silence: the daemon stops, naming why.
              std::string why = caf::to_string(err);
              if (err.context().match_elements<std::string>())
                why = err.context().get_as<std::string>(0);
              failure_ = "recovery failed: " + why;
              failed_ = true;
              spdlog::critical("{}", failure_);
            });
  };
  caf::anon_send(bridge_, std::move(recover));
}

std::optional<std::string> engine_impl::failure() const {
  if (!failed_)
    return std::nullopt;
  return failure_;
}

void engine_impl::readiness(
    std::function<void(std::vector<health_check>)> done) {
  std::vector<health_check> checks;
  checks.push_back(
      storage_check(store_.get(), *commit_health_, settings_.store.path));
  if (ready_)
    checks.push_back({"recovery", true, "recovery finished"});
  else if (failed_)
    checks.push_back({"recovery", false, failure_});
  else
    checks.push_back({"recovery", false,
                      store_ && store_->read_only()
                          ? "no recovery on read-only storage"
                          : "recovering live intents"});
  if (stopped_ || !bridge_)
    return done(std::move(checks));
  // The chain answers a status query within its latency when reachable;
  // another node's chain, when that node answers.
  auto chain = chain_;
  auto timeout = std::min(timeout_, milliseconds{2'000});
  std::string which = settings_.chain_proxy
                          ? "the chain on node " + settings_.chain_proxy->node
                          : std::string{"the chain"};
  std::shared_ptr<const chain_journal_monitor> journal = chain_journal_;
  bridge_call call = [=, checks = std::move(checks)](
                         caf::event_based_actor* self) mutable {
    auto h = self->request(chain, timeout, status_atom::value,
                           std::string{"readyz-probe"});
    h.then(
        [=, mid = h.id()](const chain_intent_state&) mutable {
          drop_timeout(self, mid);
          checks.push_back(chain_check(which, journal.get()));
          done(std::move(checks));
        },
        [=, mid = h.id()](caf::error& err) mutable {
          drop_timeout(self, mid);
          checks.push_back({"chain", false,
                            which + " did not answer: " + caf::to_string(err)});
          done(std::move(checks));
        });
  };
  caf::anon_send(bridge_, std::move(call));
}

void engine_impl::stop() {
  if (stopped_.exchange(true))
    return;
  ready_ = false;
  auto reason = caf::exit_reason::user_shutdown;
  std::vector<solver_stats> final_stats;
  {
    caf::scoped_actor self{*sys_};
    // The directory takes its intent actors down with it.
    self->send_exit(directory_, reason);
    self->wait_for(directory_);
    self->request(pool_, timeout_, stats_atom::value)
        .receive(
            [&](std::vector<solver_report>& reports) {
              for (auto& r : reports)
                final_stats.push_back(r.stats);
            },
            [](caf::error& err) {
              spdlog::warn("solver counters unavailable: {}",
                           caf::to_string(err));
            });
    self->send_exit(bridge_, reason);
    self->wait_for(bridge_);
    link_->cut();
    self->send_exit(notifier_, reason);
    self->send_exit(reader_, reason);
    self->wait_for(notifier_, reader_);
    self->send_exit(limiter_actor_, reason);
    self->send_exit(cache_actor_, reason);
    self->wait_for(limiter_actor_, cache_actor_);
    if (sweeper_) {
      self->send_exit(sweeper_, reason);
      self->wait_for(sweeper_);
    }
    if (auction_) {
      solver_links_->on_quote({});
      solver_links_->on_gone({});
      self->send_exit(auction_, reason);
      self->wait_for(auction_);
    }
    self->send_exit(pool_, reason);
    self->send_exit(chain_, reason);
    self->send_exit(writer_, reason);
    self->wait_for(pool_, chain_, writer_);
  }
  directory_ = nullptr;
  sweeper_ = nullptr;
  auction_ = nullptr;
  bridge_ = caf::actor{};
  notifier_ = nullptr;
  reader_ = nullptr;
  limiter_actor_ = nullptr;
  cache_actor_ = nullptr;
  pool_ = nullptr;
  chain_ = nullptr;
  writer_ = nullptr;
  sys_->clock().cancel_all();
  sys_.reset();
  // The writer is gone: this thread is the only one writing now.
  if (!final_stats.empty())
    if (auto saved = store_->put_solver_stats(final_stats); !saved)
      spdlog::error("solver counters not saved: {}", saved.error().message);
  if (auto closed = store_->close(); !closed)
    spdlog::error("the last checkpoint of the write log failed ({}); the log "
                  "keeps every write and the next start replays it",
                  closed.error().message);
  store_.reset();
}

std::unique_ptr<engine_core> engine_core::start(const cfg::config& config) {
  return std::make_unique<engine_impl>(
      config, settings_of(config, settings_scope::engine));
}

std::unique_ptr<engine_core>
engine_core::start(const cfg::config& config,
                   std::unique_ptr<chain_adapter> chain) {
  if (!chain)
    throw std::invalid_argument("engine_core::start: no chain adapter");
  return std::make_unique<engine_impl>(
      config, settings_of(config, settings_scope::engine), std::move(chain));
}

std::unique_ptr<engine_core>
engine_core::start(const cfg::config& config,
                   const component_settings& settings,
                   std::unique_ptr<chain_adapter> chain) {
  return std::make_unique<engine_impl>(config, settings, std::move(chain));
}

} // namespace intentd
