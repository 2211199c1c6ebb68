#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/messages.hpp"
#include "persistence/record_store.hpp"

namespace intentd {

/// Reads one stored record; a missing id is a not_found problem.
using read_fn = std::function<record_outcome(const std::string& id)>;

/// Lists at most `limit` live (pending, verified, executing) records of one
/// account: the most recently created ones, oldest of them first.
using live_list_fn =
    std::function<records_outcome(const std::string& user, uint32_t limit)>;

/// The intent that used nonce `nonce` of account `user`, if any; a failed
/// read is a problem, never "unused".
using nonce_owner_fn =
    std::function<nonce_owner_outcome(const std::string& user, uint64_t nonce)>;

/// A page of the live records for recovery: at most `limit` after `after`
/// (a page's `next`; empty: from the first), see intent_store::live_after.
/// A failed read is a problem, never an empty or last page.
using live_page_fn =
    std::function<live_page_outcome(const std::string& after, uint32_t limit)>;

/// A live_list_fn over a store's listing by user and status.
live_list_fn list_live_of(std::shared_ptr<const intent_store> store);
live_list_fn list_live_of(std::shared_ptr<const record_store> store);

/// A nonce_owner_fn over a store's nonce index.
nonce_owner_fn nonce_owner_of(std::shared_ptr<const intent_store> store);
nonce_owner_fn nonce_owner_of(std::shared_ptr<const record_store> store);

/// A live_page_fn over a store's live records.
live_page_fn live_pages_of(std::shared_ptr<const intent_store> store);
live_page_fn live_pages_of(std::shared_ptr<const record_store> store);

/// Spawns an actor that answers `(get_atom, id)` with a record_outcome from
/// `read`, `(live_atom, user, limit)` with a records_outcome from `list`
/// (an empty list when `list` is empty), `(nonce_atom, user, nonce)` with
/// a nonce_owner_outcome from `nonce` and `(recover_atom, after, limit)`
/// with a live_page_outcome from `pages` (an internal problem when `nonce`
/// or `pages` is empty). Storage reads may block on I/O, so `detached`
/// gives it its own thread, off the cooperative scheduler; tests run it on
/// the test coordinator instead.
record_reader_actor spawn_record_reader(caf::actor_system& sys, read_fn read,
                                        live_list_fn list, nonce_owner_fn nonce,
                                        live_page_fn pages,
                                        bool detached = true);

/// A reader without recovery pages.
record_reader_actor spawn_record_reader(caf::actor_system& sys, read_fn read,
                                        live_list_fn list, nonce_owner_fn nonce,
                                        bool detached = true);

/// A reader without nonce lookups.
record_reader_actor spawn_record_reader(caf::actor_system& sys, read_fn read,
                                        live_list_fn list,
                                        bool detached = true);

/// A reader of single records only.
record_reader_actor spawn_record_reader(caf::actor_system& sys, read_fn read,
                                        bool detached = true);

} // namespace intentd
