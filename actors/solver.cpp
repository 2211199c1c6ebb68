#include "actors/solver.hpp"

#include <caf/actor_system.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include "actors/intent_log.hpp"
#include "actors/request_timeout.hpp"
#include "runtime/model/solver_selection.hpp"

namespace intentd {

namespace {

using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::milliseconds;

int64_t steady_ms(caf::local_actor* self) {
  return duration_cast<milliseconds>(self->clock().now().time_since_epoch())
      .count();
}

struct solver_state {
  std::string id;
  static inline const char* name = "solver";
};

/// One solver of the pool: the pool's execution, without the counters.
using solver_actor = caf::typed_actor<
    caf::replies_to<execute_atom, intent>::with<execute_result, std::string>>;

/// The pool with what its solvers, its timer and the writer tell it: how an
/// execution went (index, solver ok, success, microseconds), a save tick,
/// and the writer's answer to a save.
using pool_self_actor = solver_pool_actor::extend<
    caf::reacts_to<health_atom, size_t, bool, bool, uint64_t>,
    caf::reacts_to<tick_atom>, caf::reacts_to<write_outcome>>;

/// One solver: runs an execution on the chain and tells the pool how it went.
solver_actor::behavior_type
solver_impl(solver_actor::stateful_pointer<solver_state> self, std::string id,
            size_t index, pool_self_actor pool, chain_actor chain,
            milliseconds timeout,
            solver_pool_options::execution_hook on_execution) {
  self->state.id = id;
  return {
      [=](execute_atom, const intent& in)
          -> caf::typed_response_promise<execute_result, std::string> {
        auto rp = self->make_response_promise<execute_result, std::string>();
        auto started = self->clock().now();
        auto finish = [=](execute_result r) mutable {
          // The chain's storage is full, or its node cannot be reached:
          // says nothing about the solver.
          if (is_wait(r.fault)) {
            rp.deliver(std::move(r), id);
            return;
          }
          auto took =
              duration_cast<microseconds>(self->clock().now() - started);
          if (on_execution)
            on_execution(id, in.action, took);
          bool solver_ok = !is_retryable(r.fault);
          self->send(pool, health_atom::value, index, solver_ok,
                     r.fault == chain_fault::none,
                     static_cast<uint64_t>(took.count()));
          if (r.fault != chain_fault::none)
            log_intent(spdlog::level::warn,
                       log_fields(in, to_string(intent_status::executing), id),
                       "intent {} execution by {} failed: {}", in.id, id,
                       to_string(r.fault));
          rp.deliver(std::move(r), id);
        };
        auto h = self->request(chain, timeout, execute_atom::value, in, id);
        h.then(
            [=, mid = h.id()](execute_result& r) mutable {
              drop_timeout(self, mid);
              finish(std::move(r));
            },
            [=, mid = h.id()](caf::error&) mutable {
              drop_timeout(self, mid);
              execute_result r;
              r.fault = chain_fault::timeout;
              finish(std::move(r));
            });
        return rp;
      },
  };
}

struct pool_state {
  std::vector<solver_actor> solvers;
  std::vector<solver_stats> stats;
  std::unique_ptr<solver_selection> selection;
  bool dirty = false;       // counters changed since the last save
  bool save_queued = false; // a save tick is pending
  static inline const char* name = "solver_pool";
};

using pool_self = pool_self_actor::stateful_pointer<pool_state>;

void queue_save(pool_self self, const solver_pool_options& opts) {
  auto& st = self->state;
  st.dirty = true;
  if (st.save_queued || !opts.writer || !opts.save)
    return;
  st.save_queued = true;
  self->delayed_send(self, opts.save_interval, tick_atom::value);
}

void save(pool_self self, const solver_pool_options& opts) {
  auto& st = self->state;
  st.save_queued = false;
  if (!st.dirty)
    return;
  st.dirty = false;
  storage_job job = [save = opts.save, stats = st.stats] {
    return save(stats);
  };
  self->send(opts.writer, write_atom::value, std::move(job));
}

pool_self_actor::behavior_type pool_impl(pool_self self, chain_actor chain,
                                         solver_pool_options opts) {
  auto& st = self->state;
  auto n = std::max<uint32_t>(opts.solvers, 1);
  st.selection = std::make_unique<solver_selection>(n, opts.failover_after,
                                                    opts.cooldown.count());
  for (uint32_t i = 0; i < n; ++i) {
    auto id = "solver-" + std::to_string(i + 1);
    solver_stats s;
    s.solver_id = id;
    for (auto& old : opts.initial_stats)
      if (old.solver_id == id)
        s = old;
    st.stats.push_back(s);
    if (opts.on_stats)
      opts.on_stats(s);
    st.solvers.push_back(self->spawn<caf::linked>(
        solver_impl, id, size_t{i}, pool_self_actor{self}, chain,
        opts.call_timeout, opts.on_execution));
  }
  return {
      [=](execute_atom a, const intent& in) {
        auto& st = self->state;
        auto i = st.selection->pick(steady_ms(self));
        return self->delegate(st.solvers[i], a, in);
      },
      [=](health_atom, size_t index, bool solver_ok, bool success,
          uint64_t took_us) {
        auto& st = self->state;
        st.selection->report(index, solver_ok, steady_ms(self));
        auto& s = st.stats[index];
        ++s.attempts;
        if (success)
          ++s.successes;
        else
          ++s.failures;
        s.total_execution_us += took_us;
        if (opts.on_stats)
          opts.on_stats(s);
        queue_save(self, opts);
      },
      [=](tick_atom) { save(self, opts); },
      [=](const write_outcome&) {
        // The writer's answer to a save; it logs failures itself.
      },
      [=](stats_atom) {
        auto& st = self->state;
        std::vector<solver_report> out;
        auto now = steady_ms(self);
        for (size_t i = 0; i < st.stats.size(); ++i)
          out.push_back(
              solver_report{st.stats[i], st.selection->healthy(i, now)});
        return out;
      },
  };
}

} // namespace

solver_pool_actor spawn_solver_pool(caf::actor_system& sys, chain_actor chain,
                                    solver_pool_options opts) {
  return sys.spawn(pool_impl, std::move(chain), std::move(opts));
}

} // namespace intentd
