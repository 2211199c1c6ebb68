#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/model/intent.hpp"

namespace intentd {

/// What LMDB holds for an intent: what a table entry replaces in LMDB's
/// counts.
struct stored_state {
  intent_status status = intent_status::pending;
  bool dead_letter = false;
};

/// One intent written since the last checkpoint: its newest record and the
/// write-log sequence that wrote it, or its purge.
struct live_entry {
  /// The newest record; for a purged intent the last record known (only
  /// the id and `seq` when the purge came from LMDB's state through
  /// replay).
  intent_record rec;
  uint64_t log_seq = 0;
  /// Purged: the intent is gone; the entry hides LMDB's record until a
  /// checkpoint deletes it. Only its nonce stays indexed (a nonce stays
  /// used after its intent was purged).
  bool purged = false;
  /// LMDB's state of the intent (nullopt: no record), when known.
  std::optional<stored_state> base;
  bool base_known = false;
};

/// The in-memory table of a logged_store: id -> newest record, kept in
/// sorted maps under the same keys as LMDB's by_time, by_status and by_user
/// indexes (store_keys.hpp), with the transaction hashes and nonces its
/// records hold. Not synchronized: logged_store guards it.
class live_table {
public:
  enum class index { time, status, user, expiry, updated, dead };

  live_table() = default;
  /// Moved, its entries stay where they are; a copy's indexes would point
  /// into the original.
  live_table(live_table&&) = default;
  live_table& operator=(live_table&&) = default;
  live_table(const live_table&) = delete;
  live_table& operator=(const live_table&) = delete;

  /// Takes `rec` unless the table holds the intent at a higher record
  /// `seq` (I4: an intent never moves back; on a tie the later write
  /// wins). False when ignored.
  bool apply(intent_record rec, uint64_t log_seq);

  /// Marks the intent of `last.request.id` purged by log sequence
  /// `log_seq`, `last` being its last record known (its entry's when the
  /// table holds one at a `seq` not below `last`'s).
  void purge(const intent_record& last, uint64_t log_seq);

  /// Sets what LMDB holds for the intent of `id` (see live_entry::base).
  void set_base(const std::string& id, std::optional<stored_state> base);

  /// Removes the entry of `id` with its index entries.
  void erase(const std::string& id);

  /// Removes the entries whose log sequence is before `seq` (a checkpoint
  /// wrote them); returns how many.
  std::size_t drop_before(uint64_t seq);

  const live_entry* find(std::string_view id) const;

  /// The id of the table's intent that used `nonce` for `user`.
  std::optional<std::string> nonce_owner(std::string_view user,
                                         uint64_t nonce) const;
  /// The id of the table's intent holding transaction `hash`.
  std::optional<std::string> tx_owner(const std::string& hash) const;

  /// Entries of `which` whose key starts with `prefix`, newest first, from
  /// just below `prefix + *tail` (the whole range without `tail`); at most
  /// `limit` of those `keep` accepts.
  std::vector<const live_entry*>
  walk_down(index which, const std::string& prefix,
            const std::optional<std::string>& tail, std::size_t limit,
            const std::function<bool(const intent_record&)>& keep) const;

  /// Entries of by_status whose key starts with `prefix` and is above
  /// `after`, ascending, at most `limit`.
  std::vector<const live_entry*> walk_up(const std::string& prefix,
                                         const std::string& after,
                                         std::size_t limit) const;

  /// (key, entry) of `which` with keys above `after`, ascending, at most
  /// `limit`.
  std::vector<std::pair<std::string, const live_entry*>>
  keys_after(index which, const std::string& after, std::size_t limit) const;

  std::size_t size() const { return by_id_.size(); }

  template<class F>
  void for_each(F&& f) const {
    for (const auto& [id, e] : by_id_)
      f(e);
  }

private:
  /// Index key -> the entry in by_id_ (whose nodes stay put).
  using index_map = std::map<std::string, const live_entry*>;
  const index_map& map_of(index which) const;
  void unindex(const live_entry& e);
  void index_of(const live_entry& e);

  /// Node-based: entries stay where they are while others come and go.
  std::unordered_map<std::string, live_entry> by_id_;
  index_map by_time_;
  index_map by_status_;
  index_map by_user_;
  /// As LMDB's by_expiry (live), by_updated (terminal, not dead-lettered)
  /// and dead (dead letters, by created_at).
  index_map by_expiry_;
  index_map by_updated_;
  index_map dead_;
  /// Transaction hash -> id; nonce key (keys::by_nonce) -> id.
  std::map<std::string, std::string> txs_;
  std::map<std::string, std::string> nonces_;
};

} // namespace intentd
