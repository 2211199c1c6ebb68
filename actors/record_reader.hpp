#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/messages.hpp"

namespace intentd {

/// Reads one stored record; a missing id is a not_found problem.
using read_fn = std::function<record_outcome(const std::string& id)>;

/// Lists at most `limit` live (pending, verified, executing) records of one
/// account: the most recently created ones, oldest of them first.
using live_list_fn =
    std::function<records_outcome(const std::string& user, uint32_t limit)>;

/// A live_list_fn over a store's listing by user and status.
live_list_fn list_live_of(std::shared_ptr<const intent_store> store);

/// Spawns an actor that answers `(get_atom, id)` with a record_outcome from
/// `read` and `(live_atom, user, limit)` with a records_outcome from `list`
/// (an empty list when `list` is empty). Storage reads may block on I/O, so
/// `detached` gives it its own thread, off the cooperative scheduler; tests
/// run it on the test coordinator instead.
record_reader_actor spawn_record_reader(caf::actor_system& sys, read_fn read,
                                        live_list_fn list,
                                        bool detached = true);

/// A reader of single records only.
record_reader_actor spawn_record_reader(caf::actor_system& sys, read_fn read,
                                        bool detached = true);

} // namespace intentd
