#include "runtime/engine.hpp"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <stdexcept>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <spdlog/spdlog.h>

#include "actors/cache.hpp"
#include "actors/chain.hpp"
#include "actors/directory.hpp"
#include "actors/notifier.hpp"
#include "actors/rate_limiter.hpp"
#include "actors/record_reader.hpp"
#include "actors/request_timeout.hpp"
#include "actors/solver.hpp"
#include "actors/storage_writer.hpp"
#include "actors/sweeper.hpp"
#include "persistence/chain_journal_lmdb.hpp"
#include "runtime/engine_observe.hpp"
#include "runtime/engine_setup.hpp"
#include "runtime/model/record_json.hpp"
#include "runtime/model/signing.hpp"
#include "runtime/model/simulated_chain.hpp"
#include "runtime/model/time.hpp"
#include "runtime/notifier_link.hpp"
#include "runtime/security.hpp"

namespace intentd {
/// Work for the bridge: the actor that sends requests on behalf of threads
/// outside the actor system and hands the answers to their callbacks. One
/// long-lived actor instead of one per request keeps waiting requests cheap.
using bridge_call = std::function<void(caf::event_based_actor*)>;
} // namespace intentd

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(intentd::bridge_call)

namespace intentd {

namespace {

using std::chrono::milliseconds;

problem unreachable(const caf::error& err) {
  return problem{errc::timeout,
                 "The engine did not answer in time: " + caf::to_string(err),
                 {}};
}

constexpr milliseconds edge_sweep_interval{10'000};

problem overloaded() {
  return problem{errc::overloaded,
                 "The engine has too many requests in flight; retry shortly.",
                 {}};
}

problem no_such_intent(const std::string& id) {
  return problem{errc::not_found, "No intent with id " + id + ".", {}};
}

caf::behavior bridge_impl(caf::event_based_actor* self) {
  return {
      [=](bridge_call& call) { call(self); },
  };
}

/// The simulated chain with its journal under `<storage.path>/chain`, so
/// that it remembers executions across restarts as a real chain does.
/// On read-only storage no intent can move, so the chain goes without its
/// journal rather than refusing to start: reads are still served.
std::unique_ptr<simulated_chain> open_chain(const cfg::config& c,
                                            bool read_only) {
  auto tokens = make_tokens(c.tokens);
  auto opts = make_chain_options(c.chain.simulated);
  if (read_only)
    return std::make_unique<simulated_chain>(tokens, opts);
  chain_journal_options journal_opts;
  journal_opts.path =
      (std::filesystem::path{c.storage.path} / "chain").string();
  journal_opts.sync = c.storage.sync && c.chain.simulated.journal_sync;
  auto journal = lmdb_chain_journal::open(journal_opts);
  if (!journal)
    throw std::runtime_error(journal.error().message);
  return std::make_unique<simulated_chain>(tokens, opts, std::move(*journal));
}

class engine_impl final : public engine {
public:
  explicit engine_impl(const cfg::config& c)
      : config_(c), tokens_(make_tokens(c.tokens)) {
    auto& chain_cfg = c.chain.simulated;
    timeout_ = milliseconds{c.server.request_timeout_ms};
    call_timeout_ = milliseconds{2 * chain_cfg.latency_ms + 10'000};

    store_options store_opts;
    store_opts.path = c.storage.path;
    store_opts.sync = c.storage.sync;
    store_opts.map_size = c.storage.map_size_mb << 20;
    store_opts.max_map_size = c.storage.max_map_size_mb << 20;
    auto opened = intent_store::open(store_opts);
    if (!opened)
      throw std::runtime_error("cannot open storage at " + c.storage.path +
                               ": " + opened.error().message);
    store_ = std::make_shared<intent_store>(std::move(*opened));
    observe_store(*metrics_, store_);
    // Before the actor system: a bad seeded key throws with nothing to stop.
    auto chain = open_chain(c, store_->read_only());
    gate_ = std::make_unique<signature_gate>(c.security, chain->keys());
    // Keys registered over the admin API since the store was made.
    for (const auto& [account, key] : store_->load_account_keys())
      if (auto added = chain->keys()->add(account, key); !added)
        spdlog::warn("a registered key of {} is not restored: {}", account,
                     added.error().message);

    sys_cfg_.set("scheduler.max-threads", 2);
    // One shared job queue: work stealing takes jobs from the tail of a
    // list it walks, which turns bursts (100,000 exits) quadratic.
    sys_cfg_.set("scheduler.policy", caf::atom("sharing"));
    sys_cfg_.set("logger.verbosity", caf::atom("quiet"));
    sys_ = std::make_unique<caf::actor_system>(sys_cfg_);

    auto store = store_;
    writer_options writer_opts;
    writer_opts.max_batch = c.storage.max_batch;
    observe_commits(writer_opts, metrics_, commit_health_);
    writer_ = spawn_storage_writer(
        *sys_,
        [store](const std::vector<intent_record>& recs) {
          return store->put(recs);
        },
        std::move(writer_opts));
    chain_ =
        spawn_chain(*sys_, std::move(chain),
                    chain_options{milliseconds{chain_cfg.latency_ms}, true});
    solver_pool_options pool_opts;
    pool_opts.solvers = c.solvers.count;
    pool_opts.failover_after = c.solvers.failover_after;
    pool_opts.cooldown = milliseconds{c.solvers.cooldown_ms};
    pool_opts.call_timeout = call_timeout_;
    pool_opts.initial_stats = store_->load_solver_stats();
    pool_opts.writer = writer_;
    pool_opts.save = [store](const std::vector<solver_stats>& stats) {
      return store->put_solver_stats(stats);
    };
    observe_solvers(pool_opts, metrics_);
    pool_ = spawn_solver_pool(*sys_, chain_, pool_opts);

    // Subscriptions read an intent's current state on the reader's own
    // thread, never on the scheduler the notifier runs on.
    reader_ = spawn_record_reader(
        *sys_,
        [store](const std::string& id) {
          if (auto rec = store->get(id))
            return record_outcome{std::move(*rec)};
          return record_outcome{no_such_intent(id)};
        },
        list_live_of(store));
    notifier_options note_opts;
    note_opts.max_subscriptions = c.notifier.max_subscriptions_per_connection;
    // The current states of a user subscription fit in half its queue.
    note_opts.max_current_per_user =
        std::clamp<uint32_t>(c.notifier.max_queued_messages / 2, 1, 100);
    note_opts.read_timeout = timeout_;
    note_opts.tokens = tokens_;
    note_opts.active = std::make_shared<std::atomic<uint64_t>>(0);
    notifier_ = spawn_notifier(*sys_, reader_, note_opts);
    link_ = std::make_shared<notifier_link>(notifier_);

    intent_deps deps;
    deps.on_transition = make_notifier_hook(
        notifier_, std::make_shared<const token_registry>(tokens_),
        note_opts.active);
    deps.writer = writer_;
    deps.chain = chain_;
    deps.solvers = pool_;
    auto& r = c.solvers.retry;
    deps.retry = retry_policy{r.max_attempts, r.base_delay_ms, r.max_delay_ms,
                              r.jitter, c.solvers.count};
    deps.now = wall_clock_now;
    deps.call_timeout = call_timeout_;
    cache_ = std::make_shared<status_cache>(make_cache_settings(c.cache));
    // The cache first: whoever a notice reaches reads what it announces.
    deps.on_transition = [cache = cache_, next = deps.on_transition](
                             const intent_record& stored, uint64_t previous) {
      cache->update(stored, wall_clock_now());
      if (next)
        next(stored, previous);
    };
    limiter_ =
        std::make_shared<rate_limiter>(make_rate_limit_settings(c.rate_limits));
    limiter_actor_ = spawn_rate_limiter(*sys_, limiter_, edge_sweep_interval,
                                        wall_clock_now);
    cache_actor_ = spawn_cache(*sys_, cache_, chain_, edge_sweep_interval,
                               call_timeout_, wall_clock_now);
    max_in_flight_ = c.server.max_in_flight;
    observe_edge(*metrics_, limiter_, cache_);
    deps.on_transition = observe_transitions(metrics_, deps.on_transition);
    directory_options dir_opts;
    dir_opts.max_live = c.intents.max_live;
    dir_opts.restart_limit = c.intents.restart_limit;
    dir_opts.restart_window = milliseconds{c.intents.restart_window_ms};
    dir_opts.reader = reader_;
    dir_opts.purge_dead_letter = [store](const std::string& id) {
      return store->purge_dead_letter(id);
    };
    observe_directory(dir_opts, *metrics_);
    directory_ = spawn_directory(*sys_, store_, deps, dir_opts);
    bridge_ = sys_->spawn(bridge_impl);

    if (c.storage.retention_s > 0) {
      sweeper_options sweep;
      sweep.retention = std::chrono::seconds{c.storage.retention_s};
      sweep.batch = c.storage.purge_batch;
      sweeper_ = spawn_sweeper(
          *sys_, writer_,
          [store](time_us cutoff, size_t batch) {
            return store->purge_terminal_before(cutoff, batch);
          },
          wall_clock_now, sweep);
    }

    if (store_->read_only()) {
      spdlog::error("storage at {} is read-only: serving reads only, no "
                    "intent is accepted or moves until it is writable",
                    c.storage.path);
      return;
    }
    // Recovery runs in the background; /readyz answers 503 until it is done.
    bridge_call recover = [this](caf::event_based_actor* self) {
      self->request(directory_, caf::infinite, recover_atom::value)
          .then([this](uint64_t) { ready_ = true; },
                [](caf::error& err) {
                  spdlog::critical("recovery failed: {}", caf::to_string(err));
                });
    };
    caf::anon_send(bridge_, std::move(recover));
  }

  ~engine_impl() override { stop(); }

  const token_registry& tokens() const override { return tokens_; }
  const cfg::config& config() const override { return config_; }

  void submit(intent in, std::string body_digest,
              reply<submit_result> done) override {
    if (auto refused = gate_->check_submit(in)) {
      outcome<submit_result> out{std::move(*refused)};
      metrics_->submitted(to_string(in.action), submit_status(out));
      return done(std::move(out));
    }
    ask<submit_outcome>(
        directory_,
        [done, m = metrics_,
         type = std::string{to_string(in.action)}](submit_outcome r) {
          outcome<submit_result> out =
              r ? outcome<submit_result>{submit_result{std::move(r->record),
                                                       r->created}}
                : outcome<submit_result>{r.error()};
          m->submitted(type, submit_status(out));
          done(std::move(out));
        },
        [done, m = metrics_,
         type = std::string{to_string(in.action)}](outcome<submit_result> r) {
          m->submitted(type, submit_status(r));
          done(std::move(r));
        },
        submit_atom::value, std::move(in), std::move(body_digest));
  }

  void get(const std::string& id, reply<intent_record> done) override {
    lookup(id, [done = std::move(done)](outcome<status_cache::hit> h) {
      if (!h)
        return done(h.error());
      done(intent_record{*h->rec});
    });
  }

  void get_rendered(const std::string& id,
                    reply<rendered_record> done) override {
    lookup(id,
           [this, id, done = std::move(done)](outcome<status_cache::hit> h) {
             if (!h)
               return done(h.error());
             if (!h->body) {
               h->body = std::make_shared<const std::string>(
                   render_record(*h->rec, tokens_));
               cache_->keep_body(id, h->rec, h->body);
             }
             done(rendered_record{std::move(h->rec), std::move(h->body)});
           });
  }

  void list(const list_query& query, reply<record_page> done) override {
    done(store_->list(query));
  }

  void find_by_tx(const std::string& hash, reply<intent_record> done) override {
    auto id = store_->find_by_tx(hash);
    if (!id)
      return done(problem{
          errc::not_found, "No intent with transaction " + hash + ".", {}});
    get(*id, std::move(done));
  }

  void cancel(const std::string& id, reply<intent_record> done) override {
    cancel(id, std::nullopt, std::move(done));
  }

  void cancel(const std::string& id, std::optional<cancel_auth> auth,
              reply<intent_record> done) override {
    if (gate_->checks_cancel(auth)) {
      auto rec = store_->get(id);
      if (!rec)
        return done(no_such_intent(id));
      if (auto refused = gate_->check_cancel(rec->request, auth))
        return done(std::move(*refused));
    }
    ask<record_outcome>(
        directory_, [done](record_outcome r) { done(std::move(r)); }, done,
        cancel_atom::value, id);
  }

  void register_key(const std::string& account,
                    const std::string& public_key_hex,
                    reply<bool> done) override {
    auto added = gate_->register_key(account, public_key_hex);
    if (!added || !*added)
      return done(std::move(added));
    // New: kept in storage before the answer, so it survives a restart.
    storage_job job = [store = store_, account,
                       raw = from_hex(public_key_hex).value_or("")] {
      return store->put_account_key(account, raw);
    };
    ask<write_outcome>(
        writer_,
        [done](write_outcome r) {
          if (!r)
            return done(r.error());
          done(true);
        },
        done, write_atom::value, std::move(job));
  }

  void dead_letters(uint32_t limit,
                    reply<std::vector<intent_record>> done) override {
    done(store_->dead_letters(limit));
  }

  void retry_dead_letter(const std::string& id,
                         reply<intent_record> done) override {
    ask<record_outcome>(
        directory_, [done](record_outcome r) { done(std::move(r)); }, done,
        retry_atom::value, id);
  }

  void purge_dead_letter(const std::string& id,
                         reply<intent_record> done) override {
    ask<record_outcome>(
        directory_,
        [done, cache = cache_, id](record_outcome r) {
          if (r)
            cache->erase(id);
          done(std::move(r));
        },
        done, purge_atom::value, id);
  }

  void solvers(reply<std::vector<solver_view>> done) override {
    ask<std::vector<solver_report>>(
        pool_,
        [done](std::vector<solver_report> reports) {
          std::vector<solver_view> out;
          for (auto& r : reports) {
            solver_view v;
            v.solver_id = r.stats.solver_id;
            v.attempts = r.stats.attempts;
            v.successes = r.stats.successes;
            v.failures = r.stats.failures;
            if (r.stats.attempts > 0) {
              v.success_rate = double(r.stats.successes) / r.stats.attempts;
              v.mean_execution_ms = double(r.stats.total_execution_us) /
                                    1000.0 / r.stats.attempts;
            }
            v.healthy = r.healthy;
            out.push_back(std::move(v));
          }
          done(std::move(out));
        },
        done, stats_atom::value);
  }

  std::unique_ptr<subscriber> subscribe(notice_handler on_notice) override {
    return link_->attach(std::move(on_notice));
  }

  std::shared_ptr<rate_limiter> rate_limits() override { return limiter_; }
  std::shared_ptr<status_cache> cache() override { return cache_; }

  bool ready() const override { return ready_; }

  std::shared_ptr<engine_metrics> metrics() const override { return metrics_; }

  void readiness(std::function<void(std::vector<health_check>)> done) override {
    std::vector<health_check> checks;
    checks.push_back(
        storage_check(store_.get(), *commit_health_, config_.storage.path));
    if (ready_)
      checks.push_back({"recovery", true, "recovery finished"});
    else
      checks.push_back({"recovery", false,
                        store_ && store_->read_only()
                            ? "no recovery on read-only storage"
                            : "recovering live intents"});
    if (stopped_ || !bridge_)
      return done(std::move(checks));
    // The chain answers a status query within its latency when reachable.
    auto chain = chain_;
    auto timeout = std::min(timeout_, milliseconds{2'000});
    bridge_call call =
        [=, checks = std::move(checks)](caf::event_based_actor* self) mutable {
          auto h = self->request(chain, timeout, status_atom::value,
                                 std::string{"readyz-probe"});
          h.then(
              [=, mid = h.id()](const chain_intent_state&) mutable {
                drop_timeout(self, mid);
                checks.push_back({"chain", true, "the chain answers"});
                done(std::move(checks));
              },
              [=, mid = h.id()](caf::error& err) mutable {
                drop_timeout(self, mid);
                checks.push_back(
                    {"chain", false,
                     "the chain did not answer: " + caf::to_string(err)});
                done(std::move(checks));
              });
        };
    caf::anon_send(bridge_, std::move(call));
  }

  void stop() override {
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
      for (auto& a : {notifier_, reader_})
        self->send_exit(a, reason);
      self->wait_for(notifier_, reader_);
      for (auto& a : {limiter_actor_, cache_actor_})
        self->send_exit(a, reason);
      self->wait_for(limiter_actor_, cache_actor_);
      if (sweeper_) {
        self->send_exit(sweeper_, reason);
        self->wait_for(sweeper_);
      }
      for (auto& a : {pool_, chain_, writer_})
        self->send_exit(a, reason);
      self->wait_for(pool_, chain_, writer_);
    }
    directory_ = caf::actor{};
    sweeper_ = caf::actor{};
    bridge_ = caf::actor{};
    notifier_ = caf::actor{};
    reader_ = caf::actor{};
    limiter_actor_ = caf::actor{};
    cache_actor_ = caf::actor{};
    pool_ = caf::actor{};
    chain_ = caf::actor{};
    writer_ = caf::actor{};
    sys_->clock().cancel_all();
    sys_.reset();
    // The writer is gone: this thread is the only one writing now.
    if (!final_stats.empty())
      if (auto saved = store_->put_solver_stats(final_stats); !saved)
        spdlog::error("solver counters not saved: {}", saved.error().message);
    store_.reset();
  }

private:
  // Memory, then storage on this thread (LMDB reads take no lock and do
  // not wait on the writer), then the chain through the cache actor. The
  // hit carries a rendering only when the cache kept one.
  void lookup(const std::string& id, reply<status_cache::hit> done) {
    using hit = status_cache::hit;
    const auto& opts = cache_->settings();
    if (!opts.enabled) {
      if (auto rec = store_->get(id))
        return done(
            hit{std::make_shared<const intent_record>(std::move(*rec)), {}});
      return done(no_such_intent(id));
    }
    auto now = wall_clock_now();
    if (auto found = cache_->find_with_body(id, now); found.rec)
      return done(std::move(found));
    auto ticket = cache_->ticket(id);
    if (auto rec = store_->get(id)) {
      cache_->count(cache_level::storage, true);
      auto ptr = std::make_shared<const intent_record>(std::move(*rec));
      cache_->fill(id, ptr, ticket, now);
      return done(hit{std::move(ptr), {}});
    }
    cache_->count(cache_level::storage, false);
    if (!opts.chain_fallback)
      return done(no_such_intent(id));
    ask<record_outcome>(
        cache_actor_,
        [done](record_outcome r) {
          if (!r)
            return done(r.error());
          done(hit{std::make_shared<const intent_record>(std::move(*r)), {}});
        },
        done, get_atom::value, id);
  }

  /// Sends a request from the bridge actor and hands the answer (or a
  /// timeout problem) to `on_value` / `on_error`. Past server.max_in_flight
  /// requests waiting, answers overloaded at once instead of queueing.
  template<class Value, class OnValue, class Done, class... Ts>
  void ask(const caf::actor& dest, OnValue on_value, Done on_error,
           Ts&&... xs) {
    if (in_flight_.fetch_add(1) >= max_in_flight_) {
      --in_flight_;
      return on_error(overloaded());
    }
    auto timeout = timeout_;
    auto* in_flight = &in_flight_;
    bridge_call call = [=](caf::event_based_actor* self) mutable {
      auto h = self->request(dest, timeout, std::move(xs)...);
      h.then(
          [=, mid = h.id()](Value& v) mutable {
            drop_timeout(self, mid);
            --*in_flight;
            on_value(std::move(v));
          },
          [=, mid = h.id()](caf::error& err) mutable {
            drop_timeout(self, mid);
            --*in_flight;
            on_error(unreachable(err));
          });
    };
    caf::anon_send(bridge_, std::move(call));
  }

  cfg::config config_;
  token_registry tokens_;
  std::shared_ptr<engine_metrics> metrics_ = std::make_shared<engine_metrics>();
  std::shared_ptr<commit_health> commit_health_ =
      std::make_shared<commit_health>();
  milliseconds timeout_;
  milliseconds call_timeout_;
  std::shared_ptr<intent_store> store_;
  std::unique_ptr<signature_gate> gate_;
  caf::actor_system_config sys_cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  caf::actor writer_;
  caf::actor chain_;
  caf::actor pool_;
  caf::actor directory_;
  caf::actor sweeper_;
  caf::actor bridge_;
  caf::actor reader_;
  caf::actor notifier_;
  std::shared_ptr<notifier_link> link_;
  std::shared_ptr<status_cache> cache_;
  std::shared_ptr<rate_limiter> limiter_;
  caf::actor cache_actor_;
  caf::actor limiter_actor_;
  uint32_t max_in_flight_ = 0;
  std::atomic<uint32_t> in_flight_{0};
  std::atomic<bool> ready_{false};
  std::atomic<bool> stopped_{false};
};

} // namespace

void engine::get_rendered(const std::string& id, reply<rendered_record> done) {
  get(id, [this, done = std::move(done)](outcome<intent_record> r) {
    if (!r)
      return done(r.error());
    auto json =
        std::make_shared<const std::string>(render_record(*r, tokens()));
    done(rendered_record{std::make_shared<const intent_record>(std::move(*r)),
                         std::move(json)});
  });
}

std::unique_ptr<engine> engine::start(const cfg::config& config) {
  return std::make_unique<engine_impl>(config);
}

} // namespace intentd
