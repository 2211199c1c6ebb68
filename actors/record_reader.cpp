#include "actors/record_reader.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

namespace intentd {

namespace {

caf::behavior reader_impl(caf::event_based_actor*, read_fn read) {
  return {
      [=](get_atom, const std::string& id) -> record_outcome {
        try {
          return read(id);
        } catch (const std::exception& e) {
          return problem{errc::storage_unavailable, e.what(), {}};
        }
      },
  };
}

} // namespace

caf::actor spawn_record_reader(caf::actor_system& sys, read_fn read,
                               bool detached) {
  if (detached)
    return sys.spawn<caf::detached>(reader_impl, std::move(read));
  return sys.spawn(reader_impl, std::move(read));
}

} // namespace intentd
