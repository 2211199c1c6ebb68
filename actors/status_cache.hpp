#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/model/intent.hpp"
#include "runtime/model/lru_table.hpp"

namespace intentd {

struct cache_settings {
  bool enabled = true;
  time_us ttl = 30'000'000;
  size_t capacity = 10'000;
  bool chain_fallback = true;
  /// The cluster node this engine runs on, carried by every record read
  /// through the cache (so that a rendering kept beside it names the
  /// owner); empty on a single node.
  std::string node;
};

/// Where a status read was answered from.
enum class cache_level : uint8_t { memory, storage, chain };

/// One row of the `cache_requests_total{level,result}` counters.
struct cache_count {
  const char* level;  // "memory", "storage", "chain"
  const char* result; // "hit", "miss"
  uint64_t value;
};

/// The in-process level of the status cache: intent records by id with a
/// time to live, at most `capacity` of them (least recently read go first),
/// in shards each behind a short lock. Thread-safe.
///
/// Coherence: every durable transition calls `update`, which replaces a
/// cached record by the newer one and bumps its shard's generation; a
/// reader that missed takes a `ticket` before reading storage and `fill`s
/// only if no transition landed in the shard meanwhile. So a read never
/// answers older than the latest transition persisted on this node.
class status_cache {
public:
  using record_ptr = std::shared_ptr<const intent_record>;
  /// The record as readers see it (its JSON), kept beside the record.
  using body_ptr = std::shared_ptr<const std::string>;

  /// A cached record and, when a reader kept one, its rendering.
  struct hit {
    record_ptr rec;
    body_ptr body;
  };

  explicit status_cache(cache_settings s);

  const cache_settings& settings() const { return settings_; }

  /// `rec`, read from a lower level, as the cache keeps it: with
  /// settings().node when there is one.
  record_ptr own(intent_record rec) const;

  /// The cached record, unless absent or expired; counts a memory hit/miss.
  record_ptr find(const std::string& id, time_us now);
  /// `find`, with the rendering kept for this very record, if any. A
  /// caller that asks a lower level after a miss here, which counts the
  /// miss again, passes count_miss = false.
  hit find_with_body(const std::string& id, time_us now,
                     bool count_miss = true);
  /// Keeps `body` beside `rec` while `rec` is the cached record of `id`; a
  /// transition drops it with the record it rendered.
  void keep_body(const std::string& id, const record_ptr& rec, body_ptr body);
  /// Taken before reading a lower level, handed to `fill`.
  uint64_t ticket(const std::string& id) const;
  /// Caches what a lower level answered, unless a transition landed since
  /// `ticket` or a newer record is cached.
  void fill(const std::string& id, record_ptr rec, uint64_t ticket,
            time_us now);
  /// A durable transition: replaces the cached record if there is one.
  void update(const intent_record& stored, time_us now);
  void erase(const std::string& id);
  /// Drops expired records from the cold end of each shard.
  size_t sweep(time_us now);

  void count(cache_level level, bool hit);
  /// Hits and misses per level.
  std::vector<cache_count> counts() const;
  size_t size() const;

private:
  struct entry {
    record_ptr rec;
    time_us expires;
    body_ptr body;
  };
  struct shard {
    explicit shard(size_t capacity) : table(capacity) {}
    mutable std::mutex mu;
    lru_table<entry> table;
    uint64_t generation = 0;
  };
  static constexpr size_t shard_count = 16;

  shard& shard_of(const std::string& id) const;

  cache_settings settings_;
  std::vector<std::unique_ptr<shard>> shards_;
  std::array<std::atomic<uint64_t>, 6> counts_{};
};

} // namespace intentd
