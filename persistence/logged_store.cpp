#include "persistence/logged_store.hpp"

#include <algorithm>
#include <filesystem>

#include "persistence/logged_store_impl.hpp"
#include "persistence/record_codec.hpp"

namespace intentd {

namespace {

problem corrupt_log(const std::string& dir, std::string what) {
  return problem{errc::storage_corrupt,
                 "storage is damaged: the write log in " + dir + " " +
                     std::move(what) +
                     "; restore the store and its log from the same backup",
                 {}};
}

} // namespace

std::string encode_log_payload(const intent_record& rec) {
  std::string out;
  out.push_back(static_cast<char>(log_payload_version));
  out.push_back(static_cast<char>(log_kind::intent_record));
  out += encode_record(rec);
  return out;
}

outcome<intent_record> decode_log_payload(std::string_view payload,
                                          uint64_t seq) {
  auto refuse = [&](const std::string& why) {
    return problem{errc::storage_corrupt,
                   "storage is damaged: the write-log record of sequence " +
                       std::to_string(seq) + " " + why +
                       "; restore the store and its log from a backup",
                   {}};
  };
  if (payload.size() < 2)
    return refuse("is too short");
  if (static_cast<uint8_t>(payload[0]) != log_payload_version)
    return refuse("has the unknown format version " +
                  std::to_string(static_cast<uint8_t>(payload[0])));
  if (static_cast<uint8_t>(payload[1]) !=
      static_cast<uint8_t>(log_kind::intent_record))
    return refuse("has the unknown kind " +
                  std::to_string(static_cast<uint8_t>(payload[1])));
  auto rec = decode_record(payload.substr(2));
  if (!rec)
    return refuse("does not decode (" + rec.error().message + ")");
  if (rec->request.id.empty())
    return refuse("holds a record without an id");
  return rec;
}

logged_store::logged_store(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
logged_store::~logged_store() = default;
logged_store::logged_store(logged_store&&) noexcept = default;
logged_store& logged_store::operator=(logged_store&&) noexcept = default;

outcome<logged_store> logged_store::open(const logged_store_options& opts) {
  auto store = intent_store::open(opts.store);
  if (!store)
    return store.error();
  if (store->read_only())
    return problem{errc::storage_unavailable,
                   "storage in " + opts.store.path +
                       " is read-only: the write log needs write access",
                   {}};
  auto recorded = store->checkpoint_seq();
  if (!recorded)
    return recorded.error();
  const uint64_t from = recorded->value_or(1);
  auto log_opts = opts.log;
  if (log_opts.dir.empty())
    log_opts.dir =
        (std::filesystem::path(opts.store.path) / "wal").lexically_normal();
  live_table table;
  std::optional<problem> bad;
  uint64_t ignored = 0;
  auto log = write_log::open(log_opts, from,
                             [&](uint64_t seq, std::string_view payload) {
                               if (bad)
                                 return;
                               auto rec = decode_log_payload(payload, seq);
                               if (!rec)
                                 bad = rec.error();
                               else if (!table.apply(std::move(*rec), seq))
                                 ++ignored;
                             });
  if (!log)
    return log.error();
  if (bad)
    return *bad;
  if (*recorded && log->report().segments == 0)
    return corrupt_log(log_opts.dir,
                       "is missing while the store's checkpoint is at "
                       "sequence " +
                           std::to_string(from));
  // A replayed record older than LMDB's state of its intent is ignored
  // (I4): LMDB may hold a later state than the log's records after C when
  // a split checkpoint was cut short.
  std::vector<std::string> older;
  std::vector<std::pair<std::string, std::optional<intent_status>>> bases;
  std::optional<problem> failed;
  table.for_each([&](const live_entry& e) {
    if (failed)
      return;
    auto stored = store->find(e.rec.request.id);
    if (!stored) {
      // A damaged stored record is overwritten by the next checkpoint.
      if (stored.error().code != errc::storage_corrupt)
        failed = stored.error();
      return;
    }
    if (*stored && (*stored)->seq > e.rec.seq)
      older.push_back(e.rec.request.id);
    else
      bases.emplace_back(e.rec.request.id,
                         *stored ? std::optional{(*stored)->status}
                                 : std::nullopt);
  });
  if (failed)
    return *failed;
  for (const auto& id : older)
    table.erase(id);
  for (const auto& [id, base] : bases)
    table.set_base(id, base);
  ignored += older.size();

  auto p = std::make_unique<impl>(opts, std::move(*store), std::move(*log));
  p->opts.log = log_opts;
  p->checkpoint_seq = from;
  p->table = std::move(table);
  p->report.log = p->log.report();
  p->report.checkpoint_seq = from;
  p->report.ignored = ignored;
  p->report.table_size = p->table.size();
  return logged_store(std::move(p));
}

const logged_open_report& logged_store::open_report() const {
  return impl_->report;
}

outcome<done> logged_store::put(const std::vector<intent_record>& records) {
  if (records.empty())
    return done{};
  std::vector<std::string> payloads;
  payloads.reserve(records.size());
  for (const auto& rec : records) {
    if (rec.request.id.empty())
      return problem{errc::bad_request, "a record without an id", {}};
    payloads.push_back(encode_log_payload(rec));
  }
  std::vector<std::string_view> views(payloads.begin(), payloads.end());
  auto first = impl_->log.append(views);
  if (!first)
    return first.error();
  // What LMDB holds for the intents new to the table (a lookup that misses
  // for a new intent), for count_by_status; the table changes only on this
  // thread, so it is read here without the lock.
  std::vector<std::pair<std::string, std::optional<intent_status>>> bases;
  for (const auto& rec : records)
    if (!impl_->table.find(rec.request.id))
      if (auto stored = impl_->store.find(rec.request.id))
        bases.emplace_back(rec.request.id,
                           *stored ? std::optional{(*stored)->status}
                                   : std::nullopt);
  std::unique_lock lock(impl_->mutex);
  for (std::size_t i = 0; i < records.size(); ++i)
    impl_->table.apply(records[i], *first + i);
  for (const auto& [id, base] : bases)
    impl_->table.set_base(id, base);
  return done{};
}

outcome<checkpoint_report> logged_store::checkpoint() {
  auto& s = *impl_;
  checkpoint_report out;
  out.seq = s.log.next_seq();
  // The table changes only on this thread: no lock to read it here.
  std::vector<intent_record> due;
  s.table.for_each([&](const live_entry& e) {
    if (e.log_seq < out.seq)
      due.push_back(e.rec);
  });
  if (due.empty() && out.seq == s.checkpoint_seq)
    return out;
  const std::size_t batch = std::max<std::size_t>(s.opts.checkpoint_batch, 1);
  std::size_t at = 0;
  do {
    auto n = std::min(batch, due.size() - at);
    std::vector<intent_record> part(due.begin() + at, due.begin() + at + n);
    at += n;
    auto put =
        at == due.size() ? s.store.put(part, out.seq) : s.store.put(part);
    if (!put)
      return put.error();
    {
      // LMDB holds these states now, also when a later part fails.
      std::unique_lock lock(s.mutex);
      for (const auto& rec : part)
        s.table.set_base(rec.request.id, rec.status);
    }
    out.records += n;
    ++out.transactions;
  } while (at < due.size());
  s.checkpoint_seq = out.seq;
  if (s.opts.on_checkpoint_committed)
    s.opts.on_checkpoint_committed();
  {
    std::unique_lock lock(s.mutex);
    s.table.drop_before(out.seq);
  }
  auto removed = s.log.truncate_before(out.seq);
  if (!removed) {
    auto p = removed.error();
    p.message = "the checkpoint at sequence " + std::to_string(out.seq) +
                " committed, but the log was not truncated: " + p.message;
    return p;
  }
  out.segments_removed = *removed;
  return out;
}

outcome<std::optional<intent_record>>
logged_store::find(const std::string& id) const {
  std::shared_lock lock(impl_->mutex);
  if (const auto* e = impl_->table.find(id))
    return std::optional<intent_record>{e->rec};
  return impl_->store.find(id);
}

outcome<intent_record> logged_store::get(const std::string& id) const {
  auto found = find(id);
  if (!found)
    return found.error();
  if (!*found)
    return problem{errc::not_found, "No intent with id " + id + ".", {}};
  return std::move(**found);
}

outcome<std::optional<std::string>>
logged_store::nonce_owner(const std::string& user, uint64_t nonce) const {
  std::shared_lock lock(impl_->mutex);
  if (auto id = impl_->table.nonce_owner(user, nonce))
    return std::optional<std::string>{std::move(*id)};
  return impl_->store.nonce_owner(user, nonce);
}

outcome<std::optional<std::string>>
logged_store::find_by_tx(const std::string& hash) const {
  if (hash.empty())
    return std::optional<std::string>{};
  std::shared_lock lock(impl_->mutex);
  if (auto id = impl_->table.tx_owner(hash))
    return std::optional<std::string>{std::move(*id)};
  auto stored = impl_->store.find_by_tx(hash);
  if (!stored || !*stored)
    return stored;
  // LMDB's owner no longer holds the hash in its newer state.
  if (const auto* e = impl_->table.find(**stored)) {
    const auto& txs = e->rec.execution.transactions;
    if (std::none_of(txs.begin(), txs.end(),
                     [&](const auto& tx) { return tx.hash == hash; }))
      return std::optional<std::string>{};
  }
  return stored;
}

std::size_t logged_store::table_size() const {
  std::shared_lock lock(impl_->mutex);
  return impl_->table.size();
}

uint64_t logged_store::checkpoint_seq() const {
  return impl_->checkpoint_seq;
}

const write_log& logged_store::log() const {
  return impl_->log;
}

const intent_store& logged_store::store() const {
  return impl_->store;
}

intent_store& logged_store::store() {
  return impl_->store;
}

} // namespace intentd
