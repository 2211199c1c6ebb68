#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "runtime/model/intent.hpp"

namespace intentd {

/// How long `rec`, as its owner answers it at `now` (its wall clock), is
/// sure to stay that answer: zero for a record that can still change (a
/// live intent, a dead letter: retried or purged by an admin, a record
/// the owner does not hold but read from the chain: seq 0), else until
/// retention may purge it (updated_at + `retention_s`; after the purge the
/// id reads differently and may even be submitted again), and without end
/// when retention is off (`retention_s` 0).
std::chrono::microseconds stable_for(const intent_record& rec,
                                     uint32_t retention_s, time_us now);

/// The renderings of records other nodes own that can no longer change,
/// as their owners answered reads by id, so that this node answers the
/// next read of one without a hop. Each entry lives at most `max_age` and
/// never past what its owner said it is stable for (`admit`); the least
/// recently read entry makes room for a new one when `capacity` are kept.
/// Capacity 0 keeps nothing. Thread-safe.
class near_cache {
public:
  using clock = std::chrono::steady_clock;

  struct entry {
    std::shared_ptr<const std::string> json;
    std::string user_account;
  };

  near_cache(std::size_t capacity, std::chrono::milliseconds max_age);

  bool enabled() const { return capacity_ > 0; }

  /// The entry of `id` while it is valid at `now`, counted as a hit; else
  /// nullopt, counted as a miss (an entry past its time is dropped).
  std::optional<entry> find(const std::string& id, clock::time_point now);

  /// Keeps `e` for `id`, valid until `asked_at` (when the read was sent,
  /// before the owner answered) + min(`stable`, max_age). A zero `stable`
  /// keeps nothing and drops an older entry of `id`.
  void admit(const std::string& id, entry e, std::chrono::microseconds stable,
             clock::time_point asked_at);

  std::size_t size() const;
  uint64_t hits() const;
  uint64_t misses() const;

private:
  struct slot {
    std::string id;
    entry value;
    clock::time_point until;
  };
  using order = std::list<slot>; // most recently read first

  void drop(order::iterator i);

  const std::size_t capacity_;
  const std::chrono::microseconds max_age_;
  mutable std::mutex mtx_;
  order lru_;
  std::unordered_map<std::string, order::iterator> by_id_;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
};

} // namespace intentd
