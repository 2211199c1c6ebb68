#include "actors/storage_writer.hpp"

#include <algorithm>

#include <caf/actor_system.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

namespace intentd {

namespace {

struct writer_state {
  commit_fn commit;
  writer_options opts;
  std::vector<intent_record> batch;
  std::vector<caf::response_promise> waiting;
  /// Counts batches; a flush request names the batch it closes, so a
  /// delayed one that outlived its batch (which filled up first) is
  /// ignored.
  uint64_t generation = 0;
  /// Failed commits are logged at most every few seconds, with a count.
  caf::actor_clock::time_point last_error_log{};
  uint64_t unlogged_errors = 0;
  /// A probe is scheduled; how many failed in a row.
  bool probing = false;
  uint32_t probe_failures = 0;
  static inline const char* name = "storage_writer";
};

/// With the probes and flushes it schedules for itself.
using writer_self_actor =
    storage_writer_actor::extend<caf::reacts_to<probe_atom>,
                                 caf::reacts_to<flush_atom, uint64_t>>;
using writer_self = writer_self_actor::stateful_pointer<writer_state>;

void schedule_probe(writer_self self) {
  auto& st = self->state;
  if (!st.opts.probe || st.probing)
    return;
  st.probing = true;
  auto pause = std::chrono::milliseconds{
      std::min<uint32_t>(100u << std::min(st.probe_failures, 6u), 5'000)};
  self->delayed_send(self, pause, probe_atom::value);
}

void run_probe(writer_self self) {
  auto& st = self->state;
  st.probing = false;
  auto result = st.opts.probe();
  if (st.opts.on_probe)
    st.opts.on_probe(static_cast<bool>(result));
  if (result) {
    st.probe_failures = 0;
    return;
  }
  ++st.probe_failures;
  schedule_probe(self);
}

void flush(writer_self self) {
  auto& st = self->state;
  ++st.generation;
  if (st.batch.empty())
    return;
  auto batch = std::move(st.batch);
  auto waiting = std::move(st.waiting);
  st.batch.clear();
  st.waiting.clear();
  auto started = std::chrono::steady_clock::now();
  auto result = st.commit(batch);
  if (st.opts.on_commit)
    st.opts.on_commit(std::chrono::steady_clock::now() - started, batch.size(),
                      static_cast<bool>(result));
  if (!result) {
    auto now = self->clock().now();
    if (now - st.last_error_log >= std::chrono::seconds{5}) {
      spdlog::error("storage commit of {} records failed: {} ({} more "
                    "failed commits since the last report)",
                    batch.size(), result.error().message, st.unlogged_errors);
      st.last_error_log = now;
      st.unlogged_errors = 0;
    } else {
      ++st.unlogged_errors;
    }
    schedule_probe(self);
  }
  for (auto& rp : waiting)
    rp.deliver(result);
}

writer_self_actor::behavior_type writer_impl(writer_self self, commit_fn commit,
                                             writer_options opts) {
  self->state.commit = std::move(commit);
  self->state.opts = opts;
  // As CAF's default handler, but the batch held is committed first.
  self->set_exit_handler([=](caf::exit_msg& msg) {
    if (!msg.reason)
      return;
    flush(self);
    self->quit(msg.reason);
  });
  return {
      [=](write_atom,
          intent_record& rec) -> caf::typed_response_promise<write_outcome> {
        auto& st = self->state;
        auto rp = self->make_response_promise<write_outcome>();
        st.batch.emplace_back(std::move(rec));
        st.waiting.emplace_back(rp);
        if (st.batch.size() >= st.opts.max_batch) {
          flush(self);
        } else if (st.batch.size() == 1) {
          // The first write of a batch asks for its flush. The request
          // queues behind every write already in the mailbox, so all of
          // them share one commit; with a maximum wait it comes later, and
          // writes sent meanwhile join too.
          if (st.opts.max_wait.count() > 0)
            self->delayed_send(self, st.opts.max_wait, flush_atom::value,
                               st.generation);
          else
            self->send(self, flush_atom::value, st.generation);
        }
        return rp;
      },
      [=](probe_atom) { run_probe(self); },
      [=](flush_atom, uint64_t generation) {
        if (generation == self->state.generation)
          flush(self);
      },
      [=](write_atom, storage_job& job) {
        flush(self);
        auto result = job();
        if (!result)
          spdlog::error("storage write failed: {}", result.error().message);
        return result;
      },
  };
}

} // namespace

storage_writer_actor spawn_storage_writer(caf::actor_system& sys,
                                          commit_fn commit, writer_options opts,
                                          bool detached) {
  if (detached)
    return sys.spawn<caf::detached>(writer_impl, std::move(commit), opts);
  return sys.spawn(writer_impl, std::move(commit), opts);
}

} // namespace intentd
