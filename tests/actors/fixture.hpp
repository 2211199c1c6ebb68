#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/chain.hpp"
#include "actors/directory.hpp"
#include "actors/record_reader.hpp"
#include "actors/solver.hpp"
#include "actors/storage_writer.hpp"
#include "persistence/store_fixture.hpp"
#include "runtime/metrics/engine_metrics.hpp"
#include "runtime/model/time.hpp"

namespace intentd::test {

/// A chain whose answers a test scripts: verify always succeeds unless
/// `verify_faults` says otherwise; execute pops `execute_faults` and succeeds
/// once it is empty. Counts everything it is asked.
struct scripted_chain final : chain_adapter {
  std::deque<chain_fault> verify_faults;
  std::deque<chain_fault> execute_faults;
  std::map<std::string, chain_intent_state> states;
  std::map<std::string, uint32_t> executions;
  std::vector<std::string> released;
  std::vector<std::string> executed_by;
  uint32_t tx_counter = 0;
  /// The n-th verify or execute call (1-based, both counted together)
  /// fails with `call_fault` when listed here.
  std::set<uint32_t> failing_calls;
  chain_fault call_fault = chain_fault::network_error;
  uint32_t calls = 0;
  /// Whether the n-th commit (1-based) succeeds; all do when empty. A
  /// failed commit keeps its effects, as the journal keeps its block.
  std::function<bool(uint32_t)> commit_ok;
  uint32_t commits = 0;

  bool commit() override {
    ++commits;
    return !commit_ok || commit_ok(commits);
  }

  /// Dates the descriptions; empty: 0.
  std::function<time_us()> clock;
  std::map<std::string, chain_intent_info> infos;

  void describe(const intent& in) {
    time_us at = clock ? clock() : 0;
    auto& info = infos[in.id];
    if (info.first_seen == 0)
      info.first_seen = at;
    info.intent_id = in.id;
    info.action = in.action;
    info.user_account = in.user_account;
    info.input_token = in.input_token;
    info.input_amount = in.input_amount;
    info.output_token = in.output_token;
    info.recipient = in.recipient;
    info.last_change = at;
  }

  std::optional<chain_intent_info> intent_info(const std::string& id) override {
    auto i = infos.find(id);
    if (i == infos.end())
      return std::nullopt;
    return i->second;
  }

  verify_result verify(const intent& in) override {
    if (failing_calls.count(++calls))
      return {call_fault};
    if (!verify_faults.empty()) {
      auto f = verify_faults.front();
      verify_faults.pop_front();
      return {f};
    }
    states[in.id] = chain_intent_state::reserved;
    describe(in);
    return {};
  }

  execute_result execute(const intent& in, const std::string& solver) override {
    execute_result r;
    executed_by.push_back(solver);
    bool injected = failing_calls.count(++calls) != 0;
    if (executions[in.id] > 0) {
      r.fault = chain_fault::already_executed;
      return r;
    }
    if (injected || !execute_faults.empty()) {
      if (injected) {
        r.fault = call_fault;
      } else {
        r.fault = execute_faults.front();
        execute_faults.pop_front();
      }
      if (r.fault == chain_fault::reverted) {
        r.tx_hash = "0xrev" + std::to_string(++tx_counter);
        states[in.id] = chain_intent_state::reverted;
      }
      return r;
    }
    ++executions[in.id];
    states[in.id] = chain_intent_state::executed;
    describe(in);
    r.tx_hash = "0xtx" + std::to_string(++tx_counter);
    r.gas_used = 21'000;
    r.total_cost = 21'000;
    return r;
  }

  void release(const std::string& id) override {
    released.push_back(id);
    states[id] = chain_intent_state::released;
  }

  chain_intent_state intent_state(const std::string& id) override {
    auto i = states.find(id);
    return i == states.end() ? chain_intent_state::unknown : i->second;
  }

  std::optional<chain_execution> execution_of(const std::string& id) override {
    if (executions[id] == 0)
      return std::nullopt;
    return chain_execution{"0xrecovered-" + id, 21'000, 21'000, 0};
  }

  std::optional<chain_tx> tx_status(const std::string&) override {
    return std::nullopt;
  }

  /// Settlements: each pops `settle_faults` (succeeds once it is empty);
  /// `on_settle` sees every call first.
  std::deque<chain_fault> settle_faults;
  std::vector<settlement> settled_with;
  std::function<void(const intent&, const settlement&)> on_settle;

  bool settles() const override { return true; }

  execute_result settle(const intent& in, const settlement& s) override {
    if (on_settle)
      on_settle(in, s);
    settled_with.push_back(s);
    execute_result r;
    if (executions[in.id] > 0) {
      r.fault = chain_fault::already_executed;
      return r;
    }
    if (!settle_faults.empty()) {
      r.fault = settle_faults.front();
      settle_faults.pop_front();
      return r;
    }
    ++executions[in.id];
    states[in.id] = chain_intent_state::executed;
    describe(in);
    r.tx_hash = "0xsettle" + std::to_string(++tx_counter);
    r.gas_used = 21'000;
    r.total_cost = 21'000;
    r.output_amount = s.output_amount;
    return r;
  }
};

/// An actor system on CAF's test coordinator with the engine's actors wired
/// to a scripted chain and a real store in a temp directory. Time moves only
/// when a test advances it.
struct engine_fixture {
  static constexpr time_us epoch = 1'800'000'000'000'000; // 2027-01-15

  temp_dir dir;
  /// Asked before every read of the store (see store_options::read_fault):
  /// set it to make reads fail.
  std::function<int()> read_fault;
  std::shared_ptr<intent_store> store;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  scripted_chain* chain_impl = nullptr;
  storage_writer_actor writer;
  chain_actor chain;
  solver_pool_actor pool;
  record_reader_actor reader;
  directory_actor directory;
  /// Records read through the reader; set `read_failure` to make every
  /// read fail with it.
  int reads = 0;
  std::optional<errc> read_failure;
  /// Pages of live records read through the reader for recovery (the
  /// directory's page is `recovery_page` records). `on_page` sees (and may
  /// change) the n-th (1-based) once read; the pages listed in
  /// `failing_pages` fail as storage_unavailable.
  static constexpr uint32_t recovery_page = 2;
  int pages = 0;
  std::function<void(int, live_page&)> on_page;
  std::set<int> failing_pages;
  /// Commits that fail on purpose: the n-th commit (1-based) fails when
  /// listed here.
  std::set<int> failing_commits;
  errc failure_code = errc::storage_unavailable;
  int commits = 0;
  std::vector<size_t> batch_sizes;
  /// What the transition hook saw: (id, seq, previous seq, status).
  struct published_write {
    std::string id;
    uint64_t seq;
    uint64_t previous;
    intent_status status;
  };
  std::vector<published_write> published;
  /// Fed by the solver and directory hooks, as the engine wires them.
  engine_metrics metrics;
  /// Runs after each transition the hook sees (e.g. a read right after it).
  std::function<void(const intent_record&)> after_transition;

  explicit engine_fixture(
      std::chrono::milliseconds latency = std::chrono::milliseconds{20},
      uint32_t max_attempts = 3, uint32_t restart_limit = 3,
      uint32_t max_live = 1000, bool ask_chain_first = false,
      std::function<void(engine_fixture&, intent_deps&)> more_deps = {}) {
    auto store_opts = fast_options(dir);
    store_opts.read_fault = [this] { return read_fault ? read_fault() : 0; };
    auto opened = intent_store::open(store_opts);
    REQUIRE(opened);
    store = std::make_shared<intent_store>(std::move(*opened));
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.verbosity", caf::atom("quiet"));
    add_message_types(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
    writer = spawn_storage_writer(
        *sys,
        [this](const std::vector<intent_record>& recs) -> write_outcome {
          ++commits;
          batch_sizes.push_back(recs.size());
          if (failing_commits.count(commits))
            return problem{failure_code, "injected failure", {}};
          return store->put(recs);
        },
        writer_options{}, false);
    auto adapter = std::make_unique<scripted_chain>();
    adapter->clock = [this] { return now(); };
    chain_impl = adapter.get();
    chain = spawn_chain(*sys, std::move(adapter), chain_options{latency});
    solver_pool_options pool_opts;
    pool_opts.solvers = 2;
    pool_opts.failover_after = 2;
    pool_opts.cooldown = std::chrono::milliseconds{10'000};
    pool_opts.call_timeout = std::chrono::milliseconds{60'000};
    pool_opts.on_execution = [this](const std::string& id, action_kind a,
                                    std::chrono::microseconds took) {
      metrics.execution(id, a, std::chrono::duration<double>(took).count());
    };
    pool_opts.on_stats = [this](const solver_stats& s) {
      metrics.solver_totals(s.solver_id, s.attempts, s.successes,
                            s.total_execution_us);
    };
    pool = spawn_solver_pool(*sys, chain, pool_opts);
    intent_deps deps;
    deps.writer = writer;
    deps.chain = chain;
    deps.solvers = pool;
    deps.retry = retry_policy{max_attempts, 1'000, 8'000, 0.0};
    deps.now = [this] { return now(); };
    deps.call_timeout = std::chrono::milliseconds{60'000};
    deps.ask_chain_first = ask_chain_first;
    deps.on_transition = [this](const intent_record& rec, uint64_t previous) {
      published.push_back({rec.request.id, rec.seq, previous, rec.status});
      if (after_transition)
        after_transition(rec);
    };
    if (more_deps)
      more_deps(*this, deps);
    reader = spawn_record_reader(
        *sys,
        [this](const std::string& id) -> record_outcome {
          ++reads;
          if (read_failure)
            return problem{*read_failure, "injected read failure", {}};
          return store->get(id);
        },
        live_list_fn{}, nonce_owner_of(store),
        [this](const std::string& after, uint32_t limit) -> live_page_outcome {
          ++pages;
          if (failing_pages.count(pages))
            return problem{errc::storage_unavailable,
                           "injected page failure " + std::to_string(pages),
                           {}};
          auto page = store->live_after(after, limit);
          if (page && on_page)
            on_page(pages, *page);
          return page;
        },
        false);
    directory_options dir_opts;
    dir_opts.reader = reader;
    dir_opts.purge_dead_letter = [this](const std::string& id) {
      return store->purge_dead_letter(id);
    };
    dir_opts.max_live = max_live;
    dir_opts.restart_limit = restart_limit;
    dir_opts.recovery_page = recovery_page;
    dir_opts.on_live_count = [gauge =
                                  metrics.live_intents()](size_t n) mutable {
      gauge.set(static_cast<double>(n));
    };
    directory = spawn_directory(*sys, deps, dir_opts);
    run();
  }

  ~engine_fixture() {
    auto reason = caf::exit_reason::user_shutdown;
    caf::anon_send_exit(directory, reason);
    caf::anon_send_exit(reader, reason);
    caf::anon_send_exit(pool, reason);
    caf::anon_send_exit(chain, reason);
    caf::anon_send_exit(writer, reason);
    run();
    sched->clock().cancel_all();
  }

  /// The injected wall clock: a fixed epoch plus the test clock's progress.
  time_us now() const {
    using namespace std::chrono;
    return epoch +
           duration_cast<microseconds>(sched->clock().now().time_since_epoch())
               .count();
  }

  void run() { sched->run(); }

  /// Moves the test clock forward in 1 ms steps, running everything due.
  void advance(std::chrono::milliseconds d) {
    for (auto i = 0; i < d.count(); ++i) {
      sched->advance_time(std::chrono::milliseconds{1});
      run();
    }
  }

  /// Sends a request from a throwaway actor and returns the answer once the
  /// system has run dry (nullopt when none came).
  template<class T, class Handle, class... Ts>
  std::optional<T> ask(const Handle& dest, Ts... xs) {
    auto result = std::make_shared<std::optional<T>>();
    sys->spawn([=](caf::event_based_actor* self) {
      self->request(dest, caf::infinite, xs...).then([=](T& value) {
        *result = std::move(value);
      });
    });
    run();
    return *result;
  }

  intent make_intent(const std::string& id, time_us lifetime = 3'600'000'000) {
    intent in;
    in.id = id;
    in.user_account = "alice.near";
    in.action = action_kind::transfer;
    in.input_token = "usdc.near";
    in.input_amount = 5'000'000;
    in.recipient = "bob.near";
    in.expires_at = now() + lifetime;
    return in;
  }

  submit_outcome submit(const intent& in, const std::string& digest = "d1") {
    auto r = ask<submit_outcome>(directory, submit_atom::value, in, digest);
    REQUIRE(r);
    return *r;
  }

  intent_record stored(const std::string& id) {
    auto rec = store->get(id);
    REQUIRE_MESSAGE(rec, why(rec));
    return std::move(*rec);
  }

  uint64_t live() {
    auto n = ask<uint64_t>(directory, live_atom::value);
    REQUIRE(n);
    return *n;
  }
};

inline std::vector<intent_status> statuses(const intent_record& rec) {
  std::vector<intent_status> out;
  for (auto& h : rec.history)
    out.push_back(h.status);
  return out;
}

} // namespace intentd::test
