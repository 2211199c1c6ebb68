#include "actors/status_cache.hpp"

#include <algorithm>
#include <functional>

namespace intentd {

namespace {

size_t index_of(cache_level level, bool hit) {
  return static_cast<size_t>(level) * 2 + (hit ? 0 : 1);
}

} // namespace

status_cache::status_cache(cache_settings s) : settings_(s) {
  auto per_shard = std::max<size_t>(1, settings_.capacity / shard_count);
  for (size_t i = 0; i < shard_count; ++i)
    shards_.push_back(std::make_unique<shard>(per_shard));
  for (auto& c : counts_)
    c = 0;
}

status_cache::shard& status_cache::shard_of(const std::string& id) const {
  return *shards_[std::hash<std::string>{}(id) % shard_count];
}

status_cache::record_ptr status_cache::own(intent_record rec) const {
  if (!settings_.node.empty())
    rec.node = settings_.node;
  return std::make_shared<const intent_record>(std::move(rec));
}

status_cache::record_ptr status_cache::find(const std::string& id,
                                            time_us now) {
  return find_with_body(id, now).rec;
}

status_cache::hit status_cache::find_with_body(const std::string& id,
                                               time_us now, bool count_miss) {
  hit out;
  {
    auto& s = shard_of(id);
    std::lock_guard<std::mutex> lock(s.mu);
    if (auto* e = s.table.find(id)) {
      if (e->expires > now)
        out = hit{e->rec, e->body};
      else
        s.table.erase(id);
    }
  }
  if (out.rec || count_miss)
    count(cache_level::memory, out.rec != nullptr);
  return out;
}

void status_cache::keep_body(const std::string& id, const record_ptr& rec,
                             body_ptr body) {
  auto& s = shard_of(id);
  std::lock_guard<std::mutex> lock(s.mu);
  if (auto* e = s.table.find(id); e && e->rec == rec)
    e->body = std::move(body);
}

uint64_t status_cache::ticket(const std::string& id) const {
  auto& s = shard_of(id);
  std::lock_guard<std::mutex> lock(s.mu);
  return s.generation;
}

void status_cache::fill(const std::string& id, record_ptr rec, uint64_t ticket,
                        time_us now) {
  auto& s = shard_of(id);
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.generation != ticket)
    return;
  if (auto* e = s.table.find(id); e && e->rec && e->rec->seq > rec->seq)
    return;
  s.table.put(id, entry{std::move(rec), now + settings_.ttl, nullptr});
}

void status_cache::update(const intent_record& stored, time_us now) {
  auto& s = shard_of(stored.request.id);
  std::lock_guard<std::mutex> lock(s.mu);
  ++s.generation;
  auto* e = s.table.find(stored.request.id);
  if (e == nullptr || (e->rec && e->rec->seq > stored.seq))
    return;
  e->rec = own(stored);
  e->body = nullptr;
  e->expires = now + settings_.ttl;
}

void status_cache::erase(const std::string& id) {
  auto& s = shard_of(id);
  std::lock_guard<std::mutex> lock(s.mu);
  ++s.generation;
  s.table.erase(id);
}

size_t status_cache::sweep(time_us now) {
  // Not strictly oldest-expiring first (reads reorder), but every expired
  // record left behind is refused by `find` and goes with the LRU bound.
  size_t n = 0;
  for (auto& s : shards_) {
    std::lock_guard<std::mutex> lock(s->mu);
    n += s->table.drop_oldest_while(
        [now](const entry& e) { return e.expires <= now; });
  }
  return n;
}

void status_cache::count(cache_level level, bool hit) {
  counts_[index_of(level, hit)].fetch_add(1, std::memory_order_relaxed);
}

std::vector<cache_count> status_cache::counts() const {
  std::vector<cache_count> out;
  const char* names[] = {"memory", "storage", "chain"};
  for (size_t i = 0; i < 3; ++i)
    for (bool hit : {true, false})
      out.push_back({names[i], hit ? "hit" : "miss",
                     counts_[i * 2 + (hit ? 0 : 1)].load()});
  return out;
}

size_t status_cache::size() const {
  size_t n = 0;
  for (auto& s : shards_) {
    std::lock_guard<std::mutex> lock(s->mu);
    n += s->table.size();
  }
  return n;
}

} // namespace intentd
