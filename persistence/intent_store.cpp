#include "persistence/intent_store.hpp"

#include <algorithm>
#include <iterator>
#include <new>

#include "persistence/checksum.hpp"
#include "persistence/record_codec.hpp"
#include "persistence/store_impl.hpp"
#include "persistence/store_keys.hpp"

namespace intentd {

namespace {

constexpr intent_status live_statuses[] = {
    intent_status::pending, intent_status::verified, intent_status::executing};

std::string u64_le(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>(v >> (8 * i));
  return out;
}

uint64_t parse_u64_le(std::string_view s) {
  uint64_t v = 0;
  for (std::size_t i = 0; i < s.size() && i < 8; ++i)
    v |= uint64_t{static_cast<uint8_t>(s[i])} << (8 * i);
  return v;
}

} // namespace

problem intent_store::impl::damaged(std::string message) const {
  problem p{errc::storage_corrupt, std::move(message), {}};
  corrupt_seen.fetch_add(1, std::memory_order_relaxed);
  if (on_corrupt)
    on_corrupt(p);
  return p;
}

std::string intent_store::impl::seal(std::string_view key,
                                     std::string_view payload) const {
  return seal_value(key, payload);
}

outcome<std::string_view>
intent_store::impl::unsealed(const char* table, std::string_view key,
                             std::string_view stored) const {
  if (!bounds.contains(env.handle(), stored))
    return damaged(std::string("storage is damaged: the entry ") +
                   keys::to_cursor(key) + " of table " + table +
                   " reaches past the end of data.mdb; restore the store "
                   "from a backup");
  if (index_version < 5)
    return stored;
  if (auto payload = unseal_value(key, stored))
    return *payload;
  return damaged(std::string("storage is damaged: the entry ") +
                 keys::to_cursor(key) + " of table " + table +
                 " fails its checksum; restore the store from a backup");
}

std::optional<std::string_view>
intent_store::impl::unseal(const char* table, std::string_view key,
                           std::string_view stored) const {
  auto payload = unsealed(table, key, stored);
  if (!payload)
    return std::nullopt;
  return *payload;
}

outcome<intent_record>
intent_store::impl::decode(std::string_view id, std::string_view bytes) const {
  if (!bounds.contains(env.handle(), bytes))
    return damaged("storage is damaged: the stored record of intent " +
                   std::string(id) +
                   " reaches past the end of data.mdb; restore the store "
                   "from a backup");
  auto rec = decode_record(bytes);
  if (rec && rec->request.id == id)
    return rec;
  std::string why = rec ? "it holds another id" : rec.error().message;
  return damaged("storage is damaged: the stored record of intent " +
                 std::string(id) + " cannot be read (" + why +
                 "); restore the store from a backup");
}

outcome<std::optional<intent_record>>
intent_store::impl::load(MDB_txn* t, std::string_view id,
                         std::string_view index_key, key_fn expected) const {
  std::string_view bytes;
  if (id.empty() || !records.get(t, id, bytes))
    return std::optional<intent_record>{};
  auto rec = decode(id, bytes);
  if (!rec)
    return rec.error();
  if (expected(*rec) != index_key)
    return std::optional<intent_record>{};
  return std::optional<intent_record>{std::move(*rec)};
}

void intent_store::impl::count(MDB_txn* t, intent_status status,
                               int delta) const {
  std::string key = keys::status_prefix(status);
  std::string_view old;
  uint64_t n = 0;
  if (counts.get(t, key, old))
    if (auto v = unseal("counts", key, old))
      n = parse_u64_le(*v);
  n = delta < 0 ? (n > 0 ? n - 1 : 0) : n + 1;
  counts.put(t, key, seal(key, u64_le(n)));
}

namespace {

/// The index entries of one record; an empty key is an entry it does not
/// have.
struct index_keys {
  std::string status, user, time, dead, expiry, updated;
};

index_keys index_keys_of(const intent_record* rec) {
  if (!rec)
    return {};
  const bool terminal = is_terminal(rec->status);
  index_keys k;
  k.status = keys::by_status(*rec);
  k.user = keys::by_user(*rec);
  k.time = keys::by_time(*rec);
  if (rec->dead_letter)
    k.dead = k.time;
  if (!terminal)
    k.expiry = keys::by_expiry(*rec);
  else if (!rec->dead_letter)
    k.updated = keys::by_updated(*rec);
  return k;
}

// Moves one index entry from key `from` to key `to` (empty: no entry),
// touching the database only when the key changed.
void move_entry(const lmdb::dbi& db, MDB_txn* t, const std::string& from,
                const std::string& to) {
  if (from == to)
    return;
  if (!from.empty())
    db.del(t, from);
  if (!to.empty())
    db.put(t, to, {});
}

bool has_tx(const intent_record* rec, const std::string& hash) {
  if (!rec)
    return false;
  const auto& txs = rec->execution.transactions;
  return std::any_of(txs.begin(), txs.end(),
                     [&](const auto& tx) { return tx.hash == hash; });
}

} // namespace

void intent_store::impl::reindex(MDB_txn* t, const intent_record* prev,
                                 const intent_record* next) const {
  auto from = index_keys_of(prev);
  auto to = index_keys_of(next);
  move_entry(by_status, t, from.status, to.status);
  move_entry(by_user, t, from.user, to.user);
  move_entry(by_time, t, from.time, to.time);
  move_entry(dead, t, from.dead, to.dead);
  move_entry(by_expiry, t, from.expiry, to.expiry);
  move_entry(by_updated, t, from.updated, to.updated);
  // A hash both versions hold stays; one only `prev` holds leaves if it
  // still points to this intent.
  if (prev)
    for (const auto& tx : prev->execution.transactions) {
      std::string_view owner;
      if (!tx.hash.empty() && !has_tx(next, tx.hash) &&
          by_tx.get(t, tx.hash, owner) &&
          unseal("by_tx", tx.hash, owner) == prev->request.id)
        by_tx.del(t, tx.hash);
    }
  if (next)
    for (const auto& tx : next->execution.transactions)
      if (!tx.hash.empty() && !has_tx(prev, tx.hash))
        by_tx.put(t, tx.hash, seal(tx.hash, next->request.id));
  if (prev && next && prev->status == next->status)
    return;
  if (prev)
    count(t, prev->status, -1);
  if (next)
    count(t, next->status, +1);
}

void intent_store::impl::write(MDB_txn* t, const intent_record& rec) const {
  std::string_view old;
  if (records.get(t, rec.request.id, old) &&
      bounds.contains(env.handle(), old)) {
    if (auto prev = decode_record(old)) {
      records.put(t, rec.request.id, encode_record(rec));
      reindex(t, &*prev, &rec);
      return;
    }
  }
  records.put(t, rec.request.id, encode_record(rec));
  reindex(t, nullptr, &rec);
  if (!rec.request.signature.empty()) {
    auto key = keys::by_nonce(rec.request.user_account, rec.request.nonce);
    nonces.put(t, key, seal(key, rec.request.id));
  }
}

void intent_store::impl::erase(MDB_txn* t, const intent_record& rec) const {
  reindex(t, &rec, nullptr);
  records.del(t, rec.request.id);
}

intent_store::intent_store(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

intent_store::~intent_store() = default;
intent_store::intent_store(intent_store&&) noexcept = default;
intent_store& intent_store::operator=(intent_store&&) noexcept = default;

bool intent_store::read_only() const {
  return impl_->read_only;
}

uint64_t intent_store::map_size() const {
  return impl_->map_size.load();
}

outcome<intent_record> intent_store::get(const std::string& id) const {
  auto found = find(id);
  if (!found)
    return found.error();
  if (!*found)
    return problem{errc::not_found, "No intent with id " + id + ".", {}};
  return std::move(**found);
}

outcome<std::optional<intent_record>>
intent_store::find(const std::string& id) const {
  using result = outcome<std::optional<intent_record>>;
  if (id.empty())
    return std::optional<intent_record>{};
  return impl_->read_txn("intent " + id, [&](MDB_txn* t) -> result {
    std::string_view bytes;
    if (!impl_->records.get(t, id, bytes))
      return std::optional<intent_record>{};
    auto rec = impl_->decode(id, bytes);
    if (!rec)
      return rec.error();
    return std::optional<intent_record>{std::move(*rec)};
  });
}

uint64_t intent_store::corrupt_count() const {
  return impl_->corrupt_seen.load(std::memory_order_relaxed);
}

outcome<std::optional<std::string>>
intent_store::nonce_owner(const std::string& user, uint64_t nonce) const {
  using result = outcome<std::optional<std::string>>;
  auto key = keys::by_nonce(user, nonce);
  return impl_->read_txn("nonce " + std::to_string(nonce) + " of " + user,
                         [&](MDB_txn* t) -> result {
                           std::string_view id;
                           if (!impl_->nonces.get(t, key, id))
                             return std::optional<std::string>{};
                           // A damaged entry (reported) still says the nonce
                           // was used: an empty owner.
                           return std::optional<std::string>{std::string(
                               impl_->unseal("nonces", key, id).value_or(""))};
                         });
}

outcome<std::optional<std::string>>
intent_store::find_by_tx(const std::string& hash) const {
  using result = outcome<std::optional<std::string>>;
  if (hash.empty())
    return std::optional<std::string>{};
  return impl_->read_txn("transaction " + hash, [&](MDB_txn* t) -> result {
    std::string_view id;
    if (!impl_->by_tx.get(t, hash, id))
      return std::optional<std::string>{};
    auto owner = impl_->unsealed("by_tx", hash, id);
    if (!owner)
      return owner.error();
    return std::optional<std::string>{std::string(*owner)};
  });
}

outcome<std::vector<intent_record>>
intent_store::dead_letters(uint32_t limit) const {
  using result = outcome<std::vector<intent_record>>;
  return impl_->read_txn("the dead letters", [&](MDB_txn* t) -> result {
    std::vector<intent_record> out;
    auto c = lmdb::cursor::open(t, impl_->dead);
    std::string_view k;
    std::string_view v;
    for (bool found = c.get(k, v, MDB_FIRST); found && out.size() < limit;
         found = c.get(k, v, MDB_NEXT)) {
      auto rec = impl_->load(t, keys::id_of(k, 0), k, keys::by_time);
      if (!rec)
        return rec.error();
      if (*rec && (*rec)->dead_letter)
        out.push_back(std::move(**rec));
    }
    return out;
  });
}

outcome<uint64_t> intent_store::dead_letter_count() const {
  return impl_->read_txn(
      "the dead letters",
      [&](MDB_txn* t) -> outcome<uint64_t> { return impl_->dead.size(t); });
}

outcome<std::vector<std::pair<std::string, std::string>>>
intent_store::load_account_keys() const {
  using result = outcome<std::vector<std::pair<std::string, std::string>>>;
  return impl_->read_txn("the account keys", [&](MDB_txn* t) -> result {
    std::vector<std::pair<std::string, std::string>> out;
    auto c = lmdb::cursor::open(t, impl_->account_keys);
    std::string_view k;
    std::string_view v;
    // A damaged entry is reported and its key stays unregistered.
    for (bool found = c.get(k, v, MDB_FIRST); found;
         found = c.get(k, v, MDB_NEXT))
      if (auto account = impl_->unseal("account_keys", k, v))
        out.emplace_back(std::string{*account}, std::string{k});
    return out;
  });
}

outcome<std::vector<solver_stats>> intent_store::load_solver_stats() const {
  using result = outcome<std::vector<solver_stats>>;
  return impl_->read_txn("the solver counters", [&](MDB_txn* t) -> result {
    std::vector<solver_stats> out;
    auto c = lmdb::cursor::open(t, impl_->solvers);
    std::string_view k;
    std::string_view v;
    for (bool found = c.get(k, v, MDB_FIRST); found;
         found = c.get(k, v, MDB_NEXT)) {
      solver_stats s;
      s.solver_id.assign(k);
      if (impl_->bounds.contains(impl_->env.handle(), v) &&
          decode_solver_stats(v, s))
        out.push_back(std::move(s));
      else
        impl_->damaged("storage is damaged: the counters of solver " +
                       s.solver_id + " cannot be read; they start at zero");
    }
    return out;
  });
}

outcome<live_page> intent_store::live_after(const std::string& after,
                                            std::size_t limit) const {
  limit = std::max<std::size_t>(limit, 1);
  // The live status `after` is in: the page resumes there.
  std::size_t first = 0;
  if (!after.empty())
    while (first < std::size(live_statuses) &&
           !keys::starts_with(after, keys::status_prefix(live_statuses[first])))
      ++first;
  live_page page;
  page.next = after;
  // The key being read, so that a failure names it.
  std::string at = "the live intents";
  std::size_t visited = 0;
  try {
    auto t = impl_->read();
    auto c = lmdb::cursor::open(t.handle(), impl_->by_status);
    for (auto i = first; i < std::size(live_statuses); ++i) {
      auto status = live_statuses[i];
      std::string prefix = keys::status_prefix(status);
      bool resume = i == first && !after.empty();
      std::string_view k = resume ? std::string_view{after} : prefix;
      std::string_view v;
      at = resume ? "the " + std::string(to_string(status)) + " intent after " +
                        std::string(keys::id_of(after, prefix.size()))
                  : std::string("the first ") + to_string(status) + " intent";
      bool found = c.get(k, v, MDB_SET_RANGE);
      if (found && resume && k == after)
        found = c.get(k, v, MDB_NEXT);
      for (; found && keys::starts_with(k, prefix);
           found = c.get(k, v, MDB_NEXT)) {
        if (visited == limit) {
          page.more = true;
          return page;
        }
        auto id = keys::id_of(k, prefix.size());
        at = "intent " + std::string(id);
        // A damaged record was reported by load() (a log line and a
        // metric) and stays where it is, not recovered.
        if (auto rec = impl_->load(t.handle(), id, k, keys::by_status);
            rec && *rec)
          page.records.push_back(std::move(**rec));
        page.next.assign(k);
        ++visited;
        at = "the " + std::string(to_string(status)) + " intent after " +
             std::string(id);
      }
    }
  } catch (const lmdb::error& e) {
    auto p = impl_->read_failure(e.code(), e.what(), at);
    p.message = "recovery cannot read " + at + ": " + p.message;
    return p;
  } catch (const std::exception& e) {
    return problem{errc::storage_unavailable,
                   "recovery cannot read " + at + ": " + e.what(),
                   {}};
  }
  return page;
}

outcome<std::vector<uint64_t>> intent_store::count_by_status() const {
  using result = outcome<std::vector<uint64_t>>;
  return impl_->read_txn("the counts by status", [&](MDB_txn* t) -> result {
    std::vector<uint64_t> out(intent_status_count, 0);
    for (int i = 0; i < intent_status_count; ++i) {
      std::string_view v;
      auto key = keys::status_prefix(static_cast<intent_status>(i));
      if (impl_->counts.get(t, key, v)) {
        auto n = impl_->unsealed("counts", key, v);
        if (!n)
          return n.error();
        out[i] = parse_u64_le(*n);
      }
    }
    return out;
  });
}

outcome<std::vector<std::pair<time_us, std::string>>>
intent_store::live_by_expiry(std::size_t limit) const {
  using result = outcome<std::vector<std::pair<time_us, std::string>>>;
  return impl_->read_txn("the deadlines", [&](MDB_txn* t) -> result {
    std::vector<std::pair<time_us, std::string>> out;
    auto c = lmdb::cursor::open(t, impl_->by_expiry);
    std::string_view k;
    std::string_view v;
    for (bool found = c.get(k, v, MDB_FIRST); found && out.size() < limit;
         found = c.get(k, v, MDB_NEXT))
      out.emplace_back(keys::time_of(k, 0), keys::id_of(k, 0));
    return out;
  });
}

outcome<std::vector<std::string>>
intent_store::index_keys(store_index which, const std::string& after,
                         std::size_t limit) const {
  using result = outcome<std::vector<std::string>>;
  const auto& db = which == store_index::expiry    ? impl_->by_expiry
                   : which == store_index::updated ? impl_->by_updated
                                                   : impl_->dead;
  return impl_->read_txn("an index", [&](MDB_txn* t) -> result {
    std::vector<std::string> out;
    auto c = lmdb::cursor::open(t, db);
    std::string_view k = after;
    std::string_view v;
    bool found =
        after.empty() ? c.get(k, v, MDB_FIRST) : c.get(k, v, MDB_SET_RANGE);
    if (found && !after.empty() && k == after)
      found = c.get(k, v, MDB_NEXT);
    for (; found && out.size() < limit; found = c.get(k, v, MDB_NEXT))
      out.emplace_back(k);
    return out;
  });
}

outcome<std::optional<time_us>> intent_store::oldest_terminal_update() const {
  using result = outcome<std::optional<time_us>>;
  return impl_->read_txn("the terminal intents", [&](MDB_txn* t) -> result {
    auto c = lmdb::cursor::open(t, impl_->by_updated);
    std::string_view k;
    std::string_view v;
    if (c.get(k, v, MDB_FIRST))
      return std::optional<time_us>{keys::time_of(k, 0)};
    return std::optional<time_us>{};
  });
}

} // namespace intentd
