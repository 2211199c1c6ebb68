#include <algorithm>
#include <vector>

#include "persistence/record_codec.hpp"
#include "persistence/store_impl.hpp"
#include "persistence/store_keys.hpp"

namespace intentd {

namespace {

/// Walks the keys starting with `prefix` newest first, from just below
/// `prefix + tail` (or from the last key of the range when `tail` is
/// absent).
class range_walk {
public:
  range_walk(MDB_txn* t, const lmdb::dbi& db, std::string prefix,
             const std::optional<std::string>& tail)
      : prefix_(std::move(prefix)), cursor_(lmdb::cursor::open(t, db)) {
    std::string seek = tail ? prefix_ + *tail : keys::prefix_end(prefix_);
    std::string_view v;
    key_ = seek;
    found_ = !seek.empty() && cursor_.get(key_, v, MDB_SET_RANGE);
    found_ = found_ ? cursor_.get(key_, v, MDB_PREV)
                    : cursor_.get(key_, v, MDB_LAST);
    found_ = found_ && keys::starts_with(key_, prefix_);
  }

  bool done() const { return !found_; }
  std::string_view key() const { return key_; }
  /// The key after the prefix: created_at + id.
  std::string_view tail() const { return key_.substr(prefix_.size()); }
  std::string_view id() const { return keys::id_of(key_, prefix_.size()); }

  void next() {
    std::string_view v;
    found_ = cursor_.get(key_, v, MDB_PREV) && keys::starts_with(key_, prefix_);
  }

private:
  std::string prefix_;
  lmdb::cursor cursor_;
  std::string_view key_;
  bool found_ = false;
};

} // namespace

outcome<record_page> intent_store::list(const list_query& query) const {
  const lmdb::dbi* db = &impl_->by_time;
  std::string prefix;
  key_fn expected = keys::by_time;
  const bool user_alone = !query.user.empty() && !query.status;
  if (!query.user.empty()) {
    db = &impl_->by_user;
    prefix = keys::user_prefix(query.user);
    if (query.status)
      prefix = keys::user_status_prefix(query.user, *query.status);
    expected = keys::by_user;
  } else if (query.status) {
    db = &impl_->by_status;
    prefix = keys::status_prefix(*query.status);
    expected = keys::by_status;
  }
  // A cursor is the key of the last record of the page before (each item's
  // own cursor resumes right after it); for a listing by user alone,
  // user + '\0' + created_at + id.
  auto resume = keys::cursor_tail(query.cursor, prefix);
  if (!resume)
    return resume.error();
  std::optional<std::string> tail = std::move(*resume);
  const uint32_t limit = list_page_size(query.limit);
  try {
    auto t = impl_->read();
    // A listing by user alone merges the user's buckets in by_user, newest
    // first; any other listing walks one range.
    std::vector<range_walk> walks;
    walks.reserve(intent_status_count);
    if (user_alone) {
      for (int s = 0; s < intent_status_count; ++s) {
        auto status = static_cast<intent_status>(s);
        if (keys::user_bucket(status) == status)
          walks.emplace_back(t.handle(), *db,
                             keys::user_status_prefix(query.user, status),
                             tail);
      }
    } else {
      walks.emplace_back(t.handle(), *db, prefix, tail);
    }
    record_page page;
    for (;;) {
      auto newest = walks.end();
      for (auto i = walks.begin(); i != walks.end(); ++i)
        if (!i->done() && (newest == walks.end() || i->tail() > newest->tail()))
          newest = i;
      if (newest == walks.end())
        break;
      if (page.items.size() == limit) {
        page.next_cursor = page.item_cursors.back();
        break;
      }
      auto rec = impl_->load(t.handle(), newest->id(), newest->key(), expected);
      if (!rec)
        return rec.error();
      // The live records of a user share one bucket: a listing of one live
      // status skips the others.
      if (*rec && (!query.status || (*rec)->status == *query.status)) {
        page.items.push_back(std::move(**rec));
        page.item_cursors.push_back(
            keys::to_cursor(prefix + std::string{newest->tail()}));
      }
      newest->next();
    }
    return page;
  } catch (const lmdb::error& e) {
    return impl_->read_failure(e.code(), e.what(), "a listing");
  } catch (const std::exception& e) {
    return problem{
        errc::storage_unavailable, std::string("storage: ") + e.what(), {}};
  }
}

} // namespace intentd
