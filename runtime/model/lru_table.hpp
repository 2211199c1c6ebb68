#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>
#include <utility>

namespace intentd {

/// A map from string keys to values that holds at most `capacity` entries:
/// inserting into a full table evicts the least recently used entry, so a
/// flood of fresh keys cannot grow memory. Not thread-safe.
template<class V>
class lru_table {
public:
  explicit lru_table(size_t capacity) : capacity_(capacity ? capacity : 1) {}

  /// The value under `key`, marked most recently used; null when absent.
  V* find(const std::string& key) {
    auto it = index_.find(key);
    if (it == index_.end())
      return nullptr;
    order_.splice(order_.begin(), order_, it->second);
    return &it->second->second;
  }

  /// The value under `key`, created by `make()` when absent (evicting the
  /// least recently used entry when full); marked most recently used.
  template<class Make>
  V& find_or_insert(const std::string& key, Make make) {
    if (V* found = find(key))
      return *found;
    if (index_.size() >= capacity_)
      evict_oldest();
    order_.emplace_front(key, make());
    index_.emplace(key, order_.begin());
    return order_.front().second;
  }

  /// Sets `key` to `value`, marked most recently used.
  void put(const std::string& key, V value) {
    if (V* found = find(key)) {
      *found = std::move(value);
      return;
    }
    find_or_insert(key, [&] { return std::move(value); });
  }

  bool erase(const std::string& key) {
    auto it = index_.find(key);
    if (it == index_.end())
      return false;
    order_.erase(it->second);
    index_.erase(it);
    return true;
  }

  /// Removes least recently used entries while `stale(value)` holds for
  /// them; returns how many went.
  template<class Pred>
  size_t drop_oldest_while(Pred stale) {
    size_t n = 0;
    while (!order_.empty() && stale(order_.back().second)) {
      index_.erase(order_.back().first);
      order_.pop_back();
      ++n;
    }
    return n;
  }

  size_t size() const { return index_.size(); }
  size_t capacity() const { return capacity_; }
  /// Entries pushed out because the table was full.
  uint64_t evictions() const { return evictions_; }

private:
  void evict_oldest() {
    index_.erase(order_.back().first);
    order_.pop_back();
    ++evictions_;
  }

  size_t capacity_;
  uint64_t evictions_ = 0;
  std::list<std::pair<std::string, V>> order_;
  std::unordered_map<std::string,
                     typename std::list<std::pair<std::string, V>>::iterator>
      index_;
};

} // namespace intentd
