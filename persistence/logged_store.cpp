#include "persistence/logged_store.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <unordered_map>

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

std::string encode_purge_payload(const std::string& id, uint64_t rec_seq) {
  std::string out;
  out.push_back(static_cast<char>(log_payload_version));
  out.push_back(static_cast<char>(log_kind::purge));
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>(rec_seq >> (8 * i)));
  out += id;
  return out;
}

namespace {

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>(v >> (8 * i)));
}

uint32_t get_u32(std::string_view in) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= uint32_t{static_cast<uint8_t>(in[i])} << (8 * i);
  return v;
}

/// Splits `rest` (a u32 length, that many bytes, the remainder); false
/// when it is too short.
bool split_sized(std::string_view rest, std::string_view& first,
                 std::string_view& second) {
  if (rest.size() < 4)
    return false;
  auto n = get_u32(rest);
  if (rest.size() - 4 < n)
    return false;
  first = rest.substr(4, n);
  second = rest.substr(4 + n);
  return true;
}

} // namespace

std::string encode_solver_payload(const solver_stats& stats) {
  std::string out;
  out.push_back(static_cast<char>(log_payload_version));
  out.push_back(static_cast<char>(log_kind::solver_stats));
  put_u32(out, static_cast<uint32_t>(stats.solver_id.size()));
  out += stats.solver_id;
  out += encode_solver_stats(stats);
  return out;
}

std::string encode_account_key_payload(const std::string& account,
                                       const std::string& raw_key) {
  std::string out;
  out.push_back(static_cast<char>(log_payload_version));
  out.push_back(static_cast<char>(log_kind::account_key));
  put_u32(out, static_cast<uint32_t>(raw_key.size()));
  out += raw_key;
  out += account;
  return out;
}

outcome<log_entry> decode_log_entry(std::string_view payload, uint64_t seq) {
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
  log_entry out;
  switch (static_cast<uint8_t>(payload[1])) {
  case static_cast<uint8_t>(log_kind::intent_record): {
    auto rec = decode_record(payload.substr(2));
    if (!rec)
      return refuse("does not decode (" + rec.error().message + ")");
    out.rec = std::move(*rec);
    break;
  }
  case static_cast<uint8_t>(log_kind::purge): {
    if (payload.size() < 2 + 8 + 1)
      return refuse("holds a purge too short for a sequence and an id");
    out.kind = log_kind::purge;
    for (int i = 0; i < 8; ++i)
      out.rec.seq |= uint64_t{static_cast<uint8_t>(payload[2 + i])} << (8 * i);
    out.rec.request.id = std::string(payload.substr(10));
    break;
  }
  case static_cast<uint8_t>(log_kind::solver_stats): {
    std::string_view id;
    std::string_view value;
    out.kind = log_kind::solver_stats;
    if (!split_sized(payload.substr(2), id, value) || id.empty() ||
        !decode_solver_stats(value, out.stats))
      return refuse("holds solver counters that do not decode");
    out.stats.solver_id = std::string(id);
    return out;
  }
  case static_cast<uint8_t>(log_kind::account_key): {
    std::string_view raw;
    std::string_view account;
    out.kind = log_kind::account_key;
    if (!split_sized(payload.substr(2), raw, account) || raw.empty())
      return refuse("holds an account key that does not decode");
    out.raw_key = std::string(raw);
    out.account = std::string(account);
    return out;
  }
  case static_cast<uint8_t>(log_kind::probe):
    out.kind = log_kind::probe;
    return out;
  default:
    return refuse("has the unknown kind " +
                  std::to_string(static_cast<uint8_t>(payload[1])));
  }
  if (out.rec.request.id.empty())
    return refuse("holds a record without an id");
  return out;
}

outcome<intent_record> decode_log_payload(std::string_view payload,
                                          uint64_t seq) {
  auto entry = decode_log_entry(payload, seq);
  if (!entry)
    return entry.error();
  if (entry->kind != log_kind::intent_record)
    return problem{errc::storage_corrupt,
                   "storage is damaged: the write-log record of sequence " +
                       std::to_string(seq) +
                       " is not an intent record where one was expected",
                   {}};
  return std::move(entry->rec);
}

logged_store::logged_store(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
logged_store::~logged_store() {
  if (impl_)
    stop_checkpointer();
}
logged_store::logged_store(logged_store&&) noexcept = default;
logged_store& logged_store::operator=(logged_store&& other) noexcept {
  if (this != &other) {
    // The thread of the store replaced works on its impl: stopped first.
    if (impl_)
      stop_checkpointer();
    impl_ = std::move(other.impl_);
  }
  return *this;
}

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
  std::map<std::string, std::pair<solver_stats, uint64_t>> solvers;
  std::map<std::string, std::pair<std::string, uint64_t>> keys;
  std::optional<problem> bad;
  uint64_t ignored = 0;
  auto log = write_log::open(
      log_opts, from, [&](uint64_t seq, std::string_view payload) {
        if (bad)
          return;
        auto entry = decode_log_entry(payload, seq);
        if (!entry)
          bad = entry.error();
        else if (entry->kind == log_kind::purge)
          table.purge(entry->rec, seq);
        else if (entry->kind == log_kind::solver_stats)
          solvers[entry->stats.solver_id] = {entry->stats, seq};
        else if (entry->kind == log_kind::account_key)
          keys[entry->raw_key] = {entry->account, seq};
        else if (entry->kind == log_kind::probe)
          return;
        else if (!table.apply(std::move(entry->rec), seq))
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
  std::vector<std::pair<std::string, std::optional<stored_state>>> bases;
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
      bases.emplace_back(e.rec.request.id, stored_state_of(*stored));
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
  p->solvers = std::move(solvers);
  p->keys = std::move(keys);
  p->applied_seq = p->log.next_seq();
  p->last_checkpoint = p->now();
  p->held = opts.hold_checkpoints;
  p->report.log = p->log.report();
  p->report.checkpoint_seq = from;
  p->report.ignored = ignored;
  p->report.table_size = p->table.size();
  logged_store out(std::move(p));
  if (opts.checkpointer)
    out.start_checkpointer();
  return out;
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
  auto& s = *impl_;
  auto first = s.append(payloads);
  if (!first)
    return first.error();
  // What LMDB holds for the intents new to the table (a lookup that misses
  // for a new intent), for the counts. A checkpoint leaves LMDB's state of
  // an intent the table does not hold alone; one the table held but a
  // checkpoint dropped meanwhile gets its base looked up when counted.
  std::vector<std::string> absent;
  {
    std::shared_lock lock(s.mutex);
    for (const auto& rec : records)
      if (!s.table.find(rec.request.id))
        absent.push_back(rec.request.id);
  }
  std::unordered_map<std::string, std::optional<stored_state>> bases;
  for (const auto& id : absent)
    if (auto stored = s.store.find(id))
      bases.emplace(id, stored_state_of(*stored));
  s.apply(payloads, *first, [&] {
    for (std::size_t i = 0; i < records.size(); ++i) {
      bool fresh = !s.table.find(records[i].request.id);
      s.table.apply(records[i], *first + i);
      if (auto b = bases.find(records[i].request.id); fresh && b != bases.end())
        s.table.set_base(b->first, b->second);
    }
  });
  return done{};
}

outcome<done>
logged_store::append_purges(const std::vector<intent_record>& victims,
                            const std::vector<bool>& from_lmdb) {
  if (victims.empty())
    return done{};
  auto& s = *impl_;
  std::vector<std::string> payloads;
  payloads.reserve(victims.size());
  for (const auto& rec : victims)
    payloads.push_back(encode_purge_payload(rec.request.id, rec.seq));
  auto first = s.append(payloads);
  if (!first)
    return first.error();
  s.apply(payloads, *first, [&] {
    for (std::size_t i = 0; i < victims.size(); ++i) {
      const auto& rec = victims[i];
      bool fresh = !s.table.find(rec.request.id);
      s.table.purge(rec, *first + i);
      if (fresh && from_lmdb[i])
        s.table.set_base(rec.request.id,
                         stored_state{rec.status, rec.dead_letter});
    }
  });
  return done{};
}

outcome<done> logged_store::append_small(
    std::vector<std::string> payloads, std::vector<solver_stats> stats,
    std::vector<std::pair<std::string, std::string>> keys) {
  if (payloads.empty())
    return done{};
  auto& s = *impl_;
  auto first = s.append(payloads);
  if (!first)
    return first.error();
  s.apply(payloads, *first, [&] {
    uint64_t seq = *first;
    for (auto& st : stats) {
      auto id = st.solver_id;
      s.solvers[id] = {std::move(st), seq++};
    }
    for (auto& [account, raw] : keys)
      s.keys[raw] = {std::move(account), seq++};
  });
  return done{};
}

outcome<done>
logged_store::put_solver_stats(const std::vector<solver_stats>& stats) {
  std::vector<std::string> payloads;
  for (const auto& st : stats) {
    if (st.solver_id.empty())
      return problem{errc::bad_request, "solver stats without an id", {}};
    payloads.push_back(encode_solver_payload(st));
  }
  return append_small(std::move(payloads), stats, {});
}

outcome<done> logged_store::put_account_key(const std::string& account,
                                            const std::string& raw_key) {
  if (raw_key.empty())
    return problem{errc::bad_request, "an empty account key", {}};
  return append_small({encode_account_key_payload(account, raw_key)}, {},
                      {{account, raw_key}});
}

outcome<done> logged_store::probe_write() {
  std::string payload;
  payload.push_back(static_cast<char>(log_payload_version));
  payload.push_back(static_cast<char>(log_kind::probe));
  return append_small({std::move(payload)}, {}, {});
}

outcome<std::vector<solver_stats>> logged_store::load_solver_stats() const {
  std::shared_lock lock(impl_->mutex);
  auto stored = impl_->store.load_solver_stats();
  if (!stored)
    return stored;
  std::map<std::string, solver_stats> all;
  for (auto& st : *stored) {
    auto id = st.solver_id;
    all[id] = std::move(st);
  }
  for (const auto& [id, v] : impl_->solvers)
    all[id] = v.first;
  std::vector<solver_stats> out;
  out.reserve(all.size());
  for (auto& [id, st] : all)
    out.push_back(std::move(st));
  return out;
}

outcome<std::vector<std::pair<std::string, std::string>>>
logged_store::load_account_keys() const {
  std::shared_lock lock(impl_->mutex);
  auto stored = impl_->store.load_account_keys();
  if (!stored)
    return stored;
  std::map<std::string, std::string> all; // raw key -> account
  for (auto& [account, raw] : *stored)
    all[raw] = std::move(account);
  for (const auto& [raw, v] : impl_->keys)
    all[raw] = v.first;
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(all.size());
  for (auto& [raw, account] : all)
    out.emplace_back(std::move(account), raw);
  return out;
}

outcome<checkpoint_report> logged_store::checkpoint() {
  std::lock_guard lock(impl_->checkpoint_mutex);
  auto done = checkpoint_locked(*impl_);
  if (done)
    impl_->last_checkpoint = impl_->now();
  return done;
}

outcome<checkpoint_report> logged_store::checkpoint_locked(impl& s) {
  checkpoint_report out;
  // The snapshot: every entry logged before C. Purged entries are deleted;
  // one whose record LMDB may not hold yet is written first, for its
  // nonce.
  std::vector<intent_record> due;
  std::vector<intent_record> purged_recs;
  std::vector<std::string> erased;
  uint64_t bytes_mark = 0;
  std::vector<solver_stats> stats;
  std::vector<std::pair<std::string, std::string>> account_keys;
  {
    std::shared_lock lock(s.mutex);
    out.seq = s.applied_seq;
    bytes_mark = s.logged_bytes;
    for (const auto& [id, v] : s.solvers)
      if (v.second < out.seq)
        stats.push_back(v.first);
    for (const auto& [raw, v] : s.keys)
      if (v.second < out.seq)
        account_keys.emplace_back(v.first, raw);
    s.table.for_each([&](const live_entry& e) {
      if (e.log_seq >= out.seq)
        return;
      if (!e.purged) {
        due.push_back(e.rec);
        return;
      }
      erased.push_back(e.rec.request.id);
      if (!e.rec.request.signature.empty())
        purged_recs.push_back(e.rec);
    });
  }
  if (due.empty() && erased.empty() && stats.empty() && account_keys.empty() &&
      out.seq == s.checkpoint_seq)
    return s.truncation_pending ? truncate_log(s, out) : out;
  const std::size_t batch = std::max<std::size_t>(s.opts.checkpoint_batch, 1);
  std::size_t at = 0;
  do {
    auto n = std::min(batch, due.size() - at);
    std::vector<intent_record> part(due.begin() + at, due.begin() + at + n);
    at += n;
    const bool last = at == due.size();
    if (last)
      part.insert(part.end(), purged_recs.begin(), purged_recs.end());
    {
      std::unique_lock commit(s.commit_mutex);
      auto put =
          last ? s.store.write({part, erased, stats, account_keys, out.seq})
               : s.store.put(part);
      if (!put)
        return put.error();
      // LMDB holds these states now, also when a later part fails.
      std::unique_lock lock(s.mutex);
      for (std::size_t i = 0; i < n; ++i)
        s.table.set_base(part[i].request.id,
                         stored_state{part[i].status, part[i].dead_letter});
      if (last)
        for (const auto& id : erased)
          s.table.set_base(id, std::nullopt);
    }
    out.records += n;
    ++out.transactions;
  } while (at < due.size());
  out.purged = erased.size();
  s.checkpoint_seq = out.seq;
  s.bytes_at_checkpoint = bytes_mark;
  if (s.opts.on_checkpoint_committed)
    s.opts.on_checkpoint_committed();
  {
    std::unique_lock lock(s.mutex);
    s.table.drop_before(out.seq);
    for (auto i = s.solvers.begin(); i != s.solvers.end();)
      i = i->second.second < out.seq ? s.solvers.erase(i) : std::next(i);
    for (auto i = s.keys.begin(); i != s.keys.end();)
      i = i->second.second < out.seq ? s.keys.erase(i) : std::next(i);
  }
  return truncate_log(s, out);
}

outcome<checkpoint_report> logged_store::truncate_log(impl& s,
                                                      checkpoint_report out) {
  outcome<std::size_t> removed = std::size_t{0};
  {
    std::lock_guard log_lock(s.log_mutex);
    removed = s.log.truncate_before(out.seq);
  }
  s.truncation_pending = !removed;
  if (!removed) {
    auto p = removed.error();
    p.message = "the checkpoint at sequence " + std::to_string(out.seq) +
                " committed, but the log was not truncated: " + p.message;
    return p;
  }
  out.segments_removed = *removed;
  return out;
}

bool logged_store::checkpoint_due(
    std::chrono::steady_clock::time_point now) const {
  auto& s = *impl_;
  std::lock_guard lock(s.checkpoint_mutex);
  std::shared_lock table_lock(s.mutex);
  if (s.holding())
    return false;
  if (s.truncation_pending)
    return true;
  if (s.applied_seq == s.checkpoint_seq)
    return false;
  return now - s.last_checkpoint >= s.opts.checkpoint_interval ||
         s.over_threshold();
}

outcome<std::optional<checkpoint_report>>
logged_store::maybe_checkpoint(std::chrono::steady_clock::time_point now) {
  return maybe_locked(*impl_, now);
}

outcome<std::optional<checkpoint_report>>
logged_store::maybe_locked(impl& s, std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(s.checkpoint_mutex);
  {
    std::shared_lock table_lock(s.mutex);
    if (s.holding())
      return std::optional<checkpoint_report>{};
    if ((s.applied_seq == s.checkpoint_seq && !s.truncation_pending) ||
        (now - s.last_checkpoint < s.opts.checkpoint_interval &&
         !s.over_threshold() && !s.truncation_pending))
      return std::optional<checkpoint_report>{};
  }
  auto done = checkpoint_locked(s);
  if (!done)
    return done.error();
  s.last_checkpoint = now;
  return std::optional<checkpoint_report>{*done};
}

void logged_store::impl::nudge() {
  std::lock_guard lock(run_mutex);
  wake = true;
  wake_cv.notify_one();
}

void logged_store::start_checkpointer() {
  auto& s = *impl_;
  std::lock_guard lock(s.run_mutex);
  if (s.thread.joinable())
    return;
  s.stop = false;
  s.thread = std::thread([&s] {
    const auto interval =
        std::max(s.opts.checkpoint_interval, std::chrono::milliseconds{1});
    bool failing = false;
    std::unique_lock lock(s.run_mutex);
    while (!s.stop) {
      // Past a threshold: at once, unless pausing after a failure (the
      // pause doubles at each failure in a row).
      const auto pause =
          failing ? s.tally.pause(interval, s.opts.checkpoint_retry_max)
                  : interval;
      s.wake_cv.wait_for(lock, pause,
                         [&] { return s.stop || (s.wake && !failing); });
      if (s.stop)
        break;
      s.wake = false;
      lock.unlock();
      auto ran = maybe_locked(s, s.now());
      lock.lock();
      failing = !ran;
      if (ran)
        s.tally.succeeded(ran->has_value());
      else
        s.tally.failed(ran.error());
    }
  });
}

void logged_store::stop_checkpointer() {
  auto& s = *impl_;
  std::thread t;
  {
    std::lock_guard lock(s.run_mutex);
    s.stop = true;
    s.wake_cv.notify_one();
    t = std::move(s.thread);
  }
  if (t.joinable())
    t.join();
}

void logged_store::release_checkpoints() {
  if (impl_->held.exchange(false))
    impl_->nudge();
}

bool logged_store::checkpoints_held() const {
  return impl_->held;
}

checkpointer_stats logged_store::checkpointer_state() const {
  return impl_->tally.stats();
}

outcome<std::optional<intent_record>>
logged_store::find(const std::string& id) const {
  std::shared_lock lock(impl_->mutex);
  if (const auto* e = impl_->table.find(id))
    return e->purged ? std::optional<intent_record>{}
                     : std::optional<intent_record>{e->rec};
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
    if (e->purged || std::none_of(txs.begin(), txs.end(), [&](const auto& tx) {
          return tx.hash == hash;
        }))
      return std::optional<std::string>{};
  }
  return stored;
}

std::size_t logged_store::table_size() const {
  std::shared_lock lock(impl_->mutex);
  return impl_->table.size();
}

uint64_t logged_store::logged_bytes() const {
  std::shared_lock lock(impl_->mutex);
  return impl_->logged_bytes;
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
