#include <algorithm>
#include <deque>

#include "persistence/logged_store_impl.hpp"
#include "persistence/store_keys.hpp"

namespace intentd {

namespace {

constexpr intent_status live_statuses[] = {
    intent_status::pending, intent_status::verified, intent_status::executing};

/// An item of a merged listing: its position (created_at + id, descending)
/// and where it comes from.
struct merged_item {
  std::string tail;
  intent_record rec;
  std::string cursor;
};

} // namespace

outcome<record_page> logged_store::list(const list_query& query) const {
  // The ranges of the table to walk, as intent_store::list walks LMDB.
  live_table::index which = live_table::index::time;
  std::string prefix;
  std::vector<std::string> buckets;
  if (!query.user.empty()) {
    which = live_table::index::user;
    prefix = query.status ? keys::user_status_prefix(query.user, *query.status)
                          : keys::user_prefix(query.user);
    if (query.status) {
      buckets.push_back(prefix);
    } else {
      for (int s = 0; s < intent_status_count; ++s) {
        auto status = static_cast<intent_status>(s);
        if (keys::user_bucket(status) == status)
          buckets.push_back(keys::user_status_prefix(query.user, status));
      }
    }
  } else if (query.status) {
    which = live_table::index::status;
    prefix = keys::status_prefix(*query.status);
    buckets.push_back(prefix);
  } else {
    buckets.push_back(prefix);
  }
  auto resume = keys::cursor_tail(query.cursor, prefix);
  if (!resume)
    return resume.error();
  std::optional<std::string> tail = std::move(*resume);
  const uint32_t limit = list_page_size(query.limit);

  std::shared_lock lock(impl_->mutex);
  const auto& table = impl_->table;
  // The table's candidates: up to limit + 1 of each range, newest first.
  std::vector<merged_item> mine;
  auto keep = [&](const intent_record& rec) {
    return !query.status || rec.status == *query.status;
  };
  for (const auto& b : buckets)
    for (const auto* e : table.walk_down(which, b, tail, limit + 1, keep)) {
      auto t = keys::by_time(e->rec);
      auto c = keys::to_cursor(prefix + t);
      mine.push_back({std::move(t), e->rec, std::move(c)});
    }
  std::sort(mine.begin(), mine.end(),
            [](const auto& a, const auto& b) { return a.tail > b.tail; });
  if (mine.size() > limit + 1)
    mine.resize(limit + 1);

  // LMDB's pages, without the intents the table holds, fetched as the
  // merge needs them.
  std::deque<merged_item> theirs;
  std::string next = query.cursor;
  bool exhausted = false;
  auto refill = [&]() -> std::optional<problem> {
    while (theirs.empty() && !exhausted) {
      list_query q = query;
      q.cursor = next;
      q.limit = limit;
      auto page = impl_->store.list(q);
      if (!page)
        return page.error();
      for (std::size_t i = 0; i < page->items.size(); ++i) {
        auto& rec = page->items[i];
        if (table.find(rec.request.id))
          continue;
        auto t = keys::by_time(rec);
        theirs.push_back(
            {std::move(t), std::move(rec), std::move(page->item_cursors[i])});
      }
      next = page->next_cursor;
      exhausted = next.empty();
    }
    return std::nullopt;
  };

  record_page out;
  std::size_t at = 0;
  for (;;) {
    if (auto failed = refill())
      return *failed;
    bool from_table = at < mine.size();
    bool from_lmdb = !theirs.empty();
    if (!from_table && !from_lmdb)
      break;
    if (from_table && from_lmdb)
      from_table = mine[at].tail > theirs.front().tail;
    if (out.items.size() == limit) {
      out.next_cursor = out.item_cursors.back();
      break;
    }
    auto& item = from_table ? mine[at++] : theirs.front();
    out.items.push_back(std::move(item.rec));
    out.item_cursors.push_back(std::move(item.cursor));
    if (!from_table)
      theirs.pop_front();
  }
  return out;
}

outcome<live_page> logged_store::live_after(const std::string& after,
                                            std::size_t limit) const {
  limit = std::max<std::size_t>(limit, 1);
  std::shared_lock lock(impl_->mutex);
  const auto& table = impl_->table;
  // The table's live entries above `after`, in by_status order (pending,
  // verified, executing are its first three status bytes).
  struct item {
    std::string key;
    intent_record rec;
  };
  std::vector<item> mine;
  for (auto status : live_statuses) {
    if (mine.size() > limit)
      break;
    for (const auto* e : table.walk_up(keys::status_prefix(status), after,
                                       limit + 1 - mine.size()))
      mine.push_back({keys::by_status(e->rec), e->rec});
  }
  std::deque<item> theirs;
  std::string next = after;
  bool exhausted = false;
  // With `limit` table entries at hand, the page ends at the last of them
  // at the latest: LMDB is read no further than that key, so that LMDB
  // records the table hides (under the same keys between a checkpoint's
  // commit and its trim) are skipped once, not again on every page.
  const std::string* bound =
      mine.size() >= limit ? &mine[limit - 1].key : nullptr;
  auto refill = [&]() -> std::optional<problem> {
    while (theirs.empty() && !exhausted && !(bound && next >= *bound)) {
      auto page = impl_->store.live_after(next, limit);
      if (!page)
        return page.error();
      for (auto& rec : page->records)
        if (!table.find(rec.request.id)) {
          auto k = keys::by_status(rec);
          theirs.push_back({std::move(k), std::move(rec)});
        }
      next = page->next;
      exhausted = !page->more;
    }
    return std::nullopt;
  };
  live_page out;
  out.next = after;
  std::size_t at = 0;
  for (;;) {
    // A full page reads no further page of LMDB: `more` may then announce
    // a page that turns out empty (LMDB's next records all in the table).
    if (out.records.size() == limit) {
      out.more = at < mine.size() || !theirs.empty() || !exhausted;
      break;
    }
    if (auto failed = refill())
      return *failed;
    bool from_table = at < mine.size();
    bool from_lmdb = !theirs.empty();
    if (!from_table && !from_lmdb)
      break;
    if (from_table && from_lmdb)
      from_table = mine[at].key < theirs.front().key;
    auto& it = from_table ? mine[at++] : theirs.front();
    out.next = it.key;
    out.records.push_back(std::move(it.rec));
    if (!from_table)
      theirs.pop_front();
  }
  return out;
}

} // namespace intentd
