#include "actors/sweeper.hpp"

#include <memory>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

namespace intentd {

namespace {

struct sweeper_state {
  uint64_t removed = 0; // in the current sweep
  static inline const char* name = "sweeper";
};

using sweeper_self = sweeper_actor::stateful_pointer<sweeper_state>;

void sweep_done(sweeper_self self, const sweeper_options& opts) {
  auto& removed = self->state.removed;
  if (removed > 0)
    spdlog::info("retention removed {} terminal intents older than {} s",
                 removed, opts.retention.count());
  removed = 0;
  self->delayed_send(self, opts.interval, tick_atom::value);
}

sweeper_actor::behavior_type sweeper_impl(sweeper_self self,
                                          storage_writer_actor writer,
                                          purge_fn purge, wall_clock now,
                                          sweeper_options opts) {
  self->send(self, tick_atom::value);
  return {
      [=](tick_atom) {
        auto cutoff = now() - opts.retention.count() * 1'000'000;
        auto purged = std::make_shared<size_t>(0);
        storage_job job = [=]() -> write_outcome {
          auto r = purge(cutoff, opts.batch);
          if (!r)
            return r.error();
          *purged = *r;
          return done{};
        };
        self->request(writer, std::chrono::minutes{1}, write_atom::value,
                      std::move(job))
            .then(
                [=](write_outcome& r) {
                  self->state.removed += *purged;
                  if (r && *purged == opts.batch)
                    self->send(self, tick_atom::value);
                  else
                    sweep_done(self, opts);
                },
                [=](caf::error& err) {
                  spdlog::warn("retention sweep failed: {}",
                               caf::to_string(err));
                  sweep_done(self, opts);
                });
      },
  };
}

} // namespace

sweeper_actor spawn_sweeper(caf::actor_system& sys, storage_writer_actor writer,
                            purge_fn purge, wall_clock now,
                            sweeper_options opts) {
  return sys.spawn(sweeper_impl, std::move(writer), std::move(purge),
                   std::move(now), opts);
}

} // namespace intentd
