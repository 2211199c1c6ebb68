// The reads of a logged_store over keyed indexes (dead letters, deadlines,
// retention), its counts, and its purges.
#include <deque>
#include <functional>

#include "persistence/logged_store_impl.hpp"
#include "persistence/store_keys.hpp"

namespace intentd {

namespace {

constexpr std::size_t merge_page = 64;

/// Walks the keys of a keyed index over the table and LMDB in ascending
/// order, LMDB's keys of intents the table holds left out (the table's
/// state, or its purge, replaces LMDB's), handing each to `take` with its
/// table entry (nullptr: LMDB's) until `take` returns false. Called with
/// the table's lock held.
outcome<done> merge_up(
    const live_table& table, const intent_store& store,
    live_table::index mine_index, store_index their_index,
    const std::function<bool(const std::string&, const live_entry*)>& take) {
  std::deque<std::pair<std::string, const live_entry*>> mine;
  std::deque<std::string> theirs;
  std::string mine_after;
  std::string their_after;
  bool mine_done = false;
  bool theirs_done = false;
  for (;;) {
    if (mine.empty() && !mine_done) {
      auto part = table.keys_after(mine_index, mine_after, merge_page);
      mine_done = part.size() < merge_page;
      if (!part.empty())
        mine_after = part.back().first;
      mine.insert(mine.end(), part.begin(), part.end());
    }
    while (theirs.empty() && !theirs_done) {
      auto part = store.index_keys(their_index, their_after, merge_page);
      if (!part)
        return part.error();
      theirs_done = part->size() < merge_page;
      if (!part->empty())
        their_after = part->back();
      for (auto& k : *part)
        if (!table.find(keys::id_of(k, 0)))
          theirs.push_back(std::move(k));
    }
    if (mine.empty() && theirs.empty())
      return done{};
    bool from_table = !mine.empty() &&
                      (theirs.empty() || mine.front().first < theirs.front());
    bool more = from_table ? take(mine.front().first, mine.front().second)
                           : take(theirs.front(), nullptr);
    if (!more)
      return done{};
    if (from_table)
      mine.pop_front();
    else
      theirs.pop_front();
  }
}

/// LMDB's state of the intent of `e`: its base, looked up when not known.
/// nullopt in `out` with false returned when it cannot be known (a damaged
/// record: left out of the counts; another failure: in `failed`).
bool base_of(const intent_store& store, const live_entry& e,
             std::optional<stored_state>& out, std::optional<problem>& failed) {
  if (e.base_known) {
    out = e.base;
    return true;
  }
  auto stored = store.find(e.rec.request.id);
  if (!stored) {
    if (stored.error().code != errc::storage_corrupt && !failed)
      failed = stored.error();
    return false;
  }
  out = stored_state_of(*stored);
  return true;
}

} // namespace

outcome<std::vector<uint64_t>> logged_store::count_by_status() const {
  std::shared_lock commit(impl_->commit_mutex);
  std::shared_lock lock(impl_->mutex);
  auto counts = impl_->store.count_by_status();
  if (!counts)
    return counts;
  std::vector<int64_t> delta(intent_status_count, 0);
  std::optional<problem> failed;
  impl_->table.for_each([&](const live_entry& e) {
    if (!e.purged)
      ++delta[static_cast<int>(e.rec.status)];
    std::optional<stored_state> base;
    if (base_of(impl_->store, e, base, failed) && base)
      --delta[static_cast<int>(base->status)];
  });
  if (failed)
    return *failed;
  for (int i = 0; i < intent_status_count; ++i) {
    auto n = static_cast<int64_t>((*counts)[i]) + delta[i];
    (*counts)[i] = n > 0 ? static_cast<uint64_t>(n) : 0;
  }
  return counts;
}

outcome<uint64_t> logged_store::dead_letter_count() const {
  std::shared_lock commit(impl_->commit_mutex);
  std::shared_lock lock(impl_->mutex);
  auto stored = impl_->store.dead_letter_count();
  if (!stored)
    return stored;
  int64_t n = static_cast<int64_t>(*stored);
  std::optional<problem> failed;
  impl_->table.for_each([&](const live_entry& e) {
    if (!e.purged && e.rec.dead_letter)
      ++n;
    std::optional<stored_state> base;
    if (base_of(impl_->store, e, base, failed) && base && base->dead_letter)
      --n;
  });
  if (failed)
    return *failed;
  return n > 0 ? static_cast<uint64_t>(n) : uint64_t{0};
}

outcome<std::vector<intent_record>>
logged_store::dead_letters(uint32_t limit) const {
  std::shared_lock lock(impl_->mutex);
  std::vector<intent_record> out;
  std::optional<problem> failed;
  if (limit == 0)
    return out;
  auto walked = merge_up(
      impl_->table, impl_->store, live_table::index::dead, store_index::dead,
      [&](const std::string& key, const live_entry* e) {
        if (e) {
          out.push_back(e->rec);
        } else {
          auto rec = impl_->store.find(std::string(keys::id_of(key, 0)));
          if (!rec) {
            failed = rec.error();
            return false;
          }
          if (*rec && (*rec)->dead_letter)
            out.push_back(std::move(**rec));
        }
        return out.size() < limit;
      });
  if (!walked)
    return walked.error();
  if (failed)
    return *failed;
  return out;
}

outcome<std::vector<std::pair<time_us, std::string>>>
logged_store::live_by_expiry(std::size_t limit) const {
  std::shared_lock lock(impl_->mutex);
  std::vector<std::pair<time_us, std::string>> out;
  if (limit == 0)
    return out;
  auto walked = merge_up(
      impl_->table, impl_->store, live_table::index::expiry,
      store_index::expiry, [&](const std::string& key, const live_entry*) {
        out.emplace_back(keys::time_of(key, 0), keys::id_of(key, 0));
        return out.size() < limit;
      });
  if (!walked)
    return walked.error();
  return out;
}

outcome<std::optional<time_us>> logged_store::oldest_terminal_update() const {
  std::shared_lock lock(impl_->mutex);
  std::optional<time_us> out;
  auto walked = merge_up(impl_->table, impl_->store, live_table::index::updated,
                         store_index::updated,
                         [&](const std::string& key, const live_entry*) {
                           out = keys::time_of(key, 0);
                           return false;
                         });
  if (!walked)
    return walked.error();
  return out;
}

outcome<std::size_t>
logged_store::purge_terminal_before(time_us cutoff, std::size_t max_batch) {
  std::vector<intent_record> victims;
  std::vector<bool> from_lmdb;
  if (max_batch == 0)
    return std::size_t{0};
  {
    std::shared_lock lock(impl_->mutex);
    std::optional<problem> failed;
    auto walked = merge_up(
        impl_->table, impl_->store, live_table::index::updated,
        store_index::updated, [&](const std::string& key, const live_entry* e) {
          if (keys::time_of(key, 0) >= cutoff)
            return false;
          if (e) {
            victims.push_back(e->rec);
            from_lmdb.push_back(false);
            return victims.size() < max_batch;
          }
          auto rec = impl_->store.find(std::string(keys::id_of(key, 0)));
          if (!rec) {
            // A damaged record is left for an operator to restore.
            if (rec.error().code == errc::storage_corrupt)
              return true;
            failed = rec.error();
            return false;
          }
          if (*rec && is_terminal((*rec)->status) && !(*rec)->dead_letter) {
            victims.push_back(std::move(**rec));
            from_lmdb.push_back(true);
          }
          return victims.size() < max_batch;
        });
    if (!walked)
      return walked.error();
    if (failed)
      return *failed;
  }
  auto logged = append_purges(victims, from_lmdb);
  if (!logged)
    return logged.error();
  return victims.size();
}

outcome<bool> logged_store::purge_dead_letter(const std::string& id) {
  if (id.empty())
    return false;
  std::optional<intent_record> current;
  bool from_lmdb = false;
  {
    std::shared_lock lock(impl_->mutex);
    if (const auto* e = impl_->table.find(id)) {
      if (e->purged)
        return false;
      current = e->rec;
    }
  }
  if (!current) {
    // A checkpoint leaves LMDB's state of an intent the table does not
    // hold alone: read it without the lock.
    auto stored = impl_->store.find(id);
    if (!stored)
      return stored.error();
    current = std::move(*stored);
    from_lmdb = true;
  }
  if (!current || !current->dead_letter)
    return false;
  auto logged = append_purges({*current}, {from_lmdb});
  if (!logged)
    return logged.error();
  return true;
}

} // namespace intentd
