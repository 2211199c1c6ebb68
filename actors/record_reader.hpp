#pragma once

#include <functional>
#include <string>

#include <caf/fwd.hpp>

#include "actors/messages.hpp"

namespace intentd {

/// Reads one stored record; a missing id is a not_found problem.
using read_fn = std::function<record_outcome(const std::string& id)>;

/// Spawns an actor that answers `(get_atom, id)` with a record_outcome from
/// `read`. Storage reads may block on I/O, so `detached` gives it its own
/// thread, off the cooperative scheduler; tests run it on the test
/// coordinator instead.
caf::actor spawn_record_reader(caf::actor_system& sys, read_fn read,
                               bool detached = true);

} // namespace intentd
