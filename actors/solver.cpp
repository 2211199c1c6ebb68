#include "actors/solver.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
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

/// One solver: runs an execution on the chain and tells the pool how it went.
caf::behavior solver_impl(caf::stateful_actor<solver_state>* self,
                          std::string id, size_t index, caf::actor pool,
                          caf::actor chain, milliseconds timeout,
                          solver_pool_options::execution_hook on_execution) {
  self->state.id = id;
  return {
      [=](execute_atom, const intent& in) {
        auto rp = self->make_response_promise();
        auto started = self->clock().now();
        auto finish = [=](execute_result r) mutable {
          // The chain's storage is full: says nothing about the solver.
          if (is_storage_wait(r.fault))
            return rp.deliver(std::move(r), id);
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
  std::vector<caf::actor> solvers;
  std::vector<solver_stats> stats;
  std::unique_ptr<solver_selection> selection;
  bool dirty = false;       // counters changed since the last save
  bool save_queued = false; // a save tick is pending
  static inline const char* name = "solver_pool";
};

using pool_actor = caf::stateful_actor<pool_state>;

void queue_save(pool_actor* self, const solver_pool_options& opts) {
  auto& st = self->state;
  st.dirty = true;
  if (st.save_queued || !opts.writer || !opts.save)
    return;
  st.save_queued = true;
  self->delayed_send(self, opts.save_interval, tick_atom::value);
}

void save(pool_actor* self, const solver_pool_options& opts) {
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

caf::behavior pool_impl(pool_actor* self, caf::actor chain,
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
    st.solvers.push_back(
        self->spawn<caf::linked>(solver_impl, id, size_t{i}, caf::actor{self},
                                 chain, opts.call_timeout, opts.on_execution));
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

caf::actor spawn_solver_pool(caf::actor_system& sys, caf::actor chain,
                             solver_pool_options opts) {
  return sys.spawn(pool_impl, std::move(chain), std::move(opts));
}

} // namespace intentd
