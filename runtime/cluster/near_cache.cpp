#include "runtime/cluster/near_cache.hpp"

#include <algorithm>

namespace intentd {

std::chrono::microseconds stable_for(const intent_record& rec,
                                     uint32_t retention_s, time_us now) {
  using us = std::chrono::microseconds;
  // seq 0: no stored record, the chain's account of the id (purged, or
  // never stored here), which a new submission of the id may replace.
  if (!is_terminal(rec.status) || rec.dead_letter || rec.seq == 0)
    return us::zero();
  if (retention_s == 0)
    return us::max();
  auto purgeable_at =
      rec.updated_at + static_cast<time_us>(retention_s) * 1'000'000;
  return purgeable_at > now ? us{purgeable_at - now} : us::zero();
}

near_cache::near_cache(std::size_t capacity, std::chrono::milliseconds max_age)
    : capacity_(capacity), max_age_(max_age) {}

std::optional<near_cache::entry> near_cache::find(const std::string& id,
                                                  clock::time_point now) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = by_id_.find(id);
  if (i == by_id_.end()) {
    ++misses_;
    return std::nullopt;
  }
  if (i->second->until <= now) {
    drop(i->second);
    ++misses_;
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, i->second);
  ++hits_;
  return i->second->value;
}

void near_cache::admit(const std::string& id, entry e,
                       std::chrono::microseconds stable,
                       clock::time_point asked_at) {
  if (capacity_ == 0)
    return;
  std::lock_guard<std::mutex> guard{mtx_};
  if (auto i = by_id_.find(id); i != by_id_.end())
    drop(i->second);
  if (stable <= std::chrono::microseconds::zero())
    return;
  auto until = asked_at + std::min(stable, max_age_);
  while (lru_.size() >= capacity_)
    drop(std::prev(lru_.end()));
  lru_.push_front(slot{id, std::move(e), until});
  by_id_.emplace(id, lru_.begin());
}

void near_cache::drop(order::iterator i) {
  by_id_.erase(i->id);
  lru_.erase(i);
}

std::size_t near_cache::size() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return lru_.size();
}

uint64_t near_cache::hits() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return hits_;
}

uint64_t near_cache::misses() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return misses_;
}

} // namespace intentd
