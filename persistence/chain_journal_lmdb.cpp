#include "persistence/chain_journal_lmdb.hpp"

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <new>
#include <optional>
#include <shared_mutex>
#include <system_error>
#include <vector>

#include "persistence/byte_io.hpp"
#include "persistence/chain_event_codec.hpp"
#include "persistence/chain_journal_index.hpp"
#include "persistence/chain_log_format.hpp"
#include "persistence/chain_snapshot_codec.hpp"
#include "persistence/checksum.hpp"
#include "persistence/lmdb_env.hpp"
#include "persistence/storage_errors.hpp"

namespace intentd {

namespace {

constexpr char checkpoint_seq_key[] = "checkpoint_seq";

struct journal_env {
  lmdb::env env;
  chain_journal_dbs db;
  /// Intent id -> encoded chain_intent_info (not in read-only opens).
  lmdb::dbi intents;
};

// Opens a journal environment; read-only, it opens `events` alone (older
// journals have no index). Throws lmdb::error.
void open_env(journal_env& j, const std::string& path, uint64_t map_size,
              unsigned flags) {
  j.env = lmdb::env::create();
  j.env.set_map_size(map_size);
  j.env.set_max_dbs(8);
  j.env.open(path, MDB_NOTLS | flags);
  j.env.reader_check();
  if ((flags & MDB_RDONLY) != 0) {
    auto t = lmdb::txn::begin(j.env.handle(), MDB_RDONLY);
    j.db.events = lmdb::dbi::open(t.handle(), "events");
    try {
      j.db.meta = lmdb::dbi::open(t.handle(), "meta");
    } catch (const lmdb::error& e) {
      // A journal written before it had indexes has no meta.
      if (e.code() != MDB_NOTFOUND)
        throw;
    }
    t.commit();
    return;
  }
  auto t = lmdb::txn::begin(j.env.handle());
  j.db.events = lmdb::dbi::open(t.handle(), "events", MDB_CREATE);
  j.db.executions = lmdb::dbi::open(t.handle(), "executions", MDB_CREATE);
  j.db.finals = lmdb::dbi::open(t.handle(), "finals", MDB_CREATE);
  j.db.txs = lmdb::dbi::open(t.handle(), "txs", MDB_CREATE);
  j.db.meta = lmdb::dbi::open(t.handle(), "meta", MDB_CREATE);
  j.intents = lmdb::dbi::open(t.handle(), "intents", MDB_CREATE);
  t.commit();
}

/// The checkpoint sequence in `meta`; empty when there is none. Throws
/// lmdb::error.
outcome<std::optional<uint64_t>> read_checkpoint_seq(MDB_txn* t,
                                                     const lmdb::dbi& meta) {
  std::string_view stored;
  if (!meta.get(t, checkpoint_seq_key, stored))
    return std::optional<uint64_t>{};
  auto v = unseal_value(checkpoint_seq_key, stored);
  if (!v || v->size() != 8)
    return problem{errc::storage_corrupt,
                   "the chain journal is damaged: meta/checkpoint_seq does not "
                   "check; restore the chain journal and its log from a backup",
                   {}};
  uint64_t seq = 0;
  for (int i = 0; i < 8; ++i)
    seq |= uint64_t{static_cast<uint8_t>((*v)[i])} << (8 * i);
  return std::optional<uint64_t>{seq};
}

} // namespace

struct lmdb_chain_journal::impl {
  journal_env j;
  std::string path;
  uint64_t next_seq = 0;
  uint64_t max_map_size = 0;
  problem last{errc::internal, "", {}};

  /// The open transaction that collects events until flush(), and its
  /// events, to redo them when a full map forces the transaction to abort.
  std::optional<lmdb::txn> batch;
  std::vector<chain_event> batch_events;
  std::vector<chain_intent_info> batch_infos;
  uint64_t batch_first_seq = 0;
  /// batch_events hold events that no open transaction holds (a write or
  /// commit failed): they are written again before anything else.
  bool unsaved = false;
  /// The snapshot keep_snapshot() handed over, until a commit writes it.
  std::optional<chain_snapshot_blob> kept_snapshot;
  /// The read transaction of snapshot(), which the lookups use meanwhile.
  MDB_txn* reading = nullptr;
  /// Held shared by every read transaction and unique by grow(): the map
  /// is remapped only while no transaction of this process reads it
  /// (write_checkpoint() may run on another thread than the lookups).
  std::shared_mutex remap;

  ~impl() {
    // The batch and a kept snapshot, best effort.
    try {
      commit();
    } catch (const std::exception&) {
      batch.reset();
    }
  }

  void append(const chain_event& e) {
    if (!batch)
      begin();
    put(e);
    batch_events.push_back(e);
  }

  /// Opens the batch: a fresh one, or the events of a batch that could not
  /// be committed written again. Throws lmdb::error.
  void begin() {
    batch.emplace(lmdb::txn::begin(j.env.handle()));
    if (!unsaved) {
      batch_events.clear();
      batch_infos.clear();
      batch_first_seq = next_seq;
      return;
    }
    next_seq = batch_first_seq;
    for (auto& e : batch_events)
      put(e);
    for (auto& info : batch_infos)
      put_info(info);
    unsaved = false;
  }

  void append_info(const chain_intent_info& info) {
    if (!batch)
      begin();
    put_info(info);
    batch_infos.push_back(info);
  }

  void put_info(const chain_intent_info& info) {
    j.intents.put(batch->handle(), info.intent_id,
                  encode_chain_intent_info(info));
  }

  /// After a failed write LMDB has aborted the batch: its events are kept
  /// and written again by the next begin(), as many times as it takes.
  void keep_failed_batch() noexcept {
    batch.reset();
    next_seq = batch_first_seq;
    unsaved = true;
  }

  /// Writes the kept events into a new open batch at once, so that lookups
  /// see them while the commit waits; they stay kept if that fails too.
  void reopen_kept() noexcept {
    try {
      begin();
    } catch (const std::exception&) {
      keep_failed_batch();
    }
  }

  /// Drops the failed batch, grows the map and writes its events again;
  /// false when the map cannot grow. Throws lmdb::error.
  bool redo_grown() {
    keep_failed_batch();
    if (!grow())
      return false;
    begin();
    return true;
  }

  void put(const chain_event& e) {
    auto t = batch->handle();
    j.db.events.put(t, chain_seq_key(next_seq), encode_chain_event(e),
                    MDB_APPEND);
    index_chain_event(t, j.db, next_seq, e);
    ++next_seq;
  }

  /// Calls `fn` with the open batch (which sees its own writes) or else a
  /// read transaction; lmdb errors become problems.
  template<class T, class F>
  outcome<T> read(F fn) {
    try {
      if (batch)
        return fn(batch->handle());
      if (reading != nullptr)
        return fn(reading);
      std::shared_lock lock(remap);
      auto t = lmdb::txn::begin(j.env.handle(), MDB_RDONLY);
      return fn(t.handle());
    } catch (const lmdb::error& e) {
      last = storage_problem(e.code(), e.what(), path);
      return last;
    }
  }

  /// The event `index` points to under `key`.
  outcome<std::optional<chain_event>> lookup(const lmdb::dbi& index,
                                             const std::string& key) {
    auto r = read<std::optional<chain_event>>(
        [&](MDB_txn* t) { return indexed_chain_event(t, j.db, index, key); });
    if (!r)
      last = r.error();
    return r;
  }

  /// Builds the index of a journal written before it had one (or with
  /// another format), growing the map as needed. Throws lmdb::error.
  outcome<done> ensure_index() {
    for (int attempt = 0;; ++attempt) {
      try {
        auto t = lmdb::txn::begin(j.env.handle());
        if (chain_index_current(t.handle(), j.db))
          return done{};
        auto built = rebuild_chain_index(t.handle(), j.db);
        if (!built)
          return built;
        t.commit();
        return done{};
      } catch (const lmdb::error& e) {
        if (e.code() != MDB_MAP_FULL || attempt > 16 || !grow())
          throw;
      }
    }
  }

  /// Commits the open batch (a failed one is written again first).
  /// Throws lmdb::error; the batch's events are kept for the next try.
  void commit() {
    if (!batch && (unsaved || kept_snapshot))
      begin();
    if (!batch)
      return;
    // In the transaction of the events it folds (all recorded before it
    // was kept, so all in this batch or committed before).
    if (kept_snapshot && kept_snapshot->events <= next_seq) {
      try {
        j.db.meta.put(batch->handle(), chain_snapshot_key,
                      kept_snapshot->bytes);
      } catch (const lmdb::error&) {
        keep_failed_batch();
        reopen_kept();
        throw;
      }
    }
    bool wrote_snapshot = kept_snapshot && kept_snapshot->events <= next_seq;
    auto t = std::move(*batch);
    batch.reset();
    try {
      t.commit();
    } catch (const lmdb::error&) {
      keep_failed_batch();
      reopen_kept();
      throw;
    }
    batch_events.clear();
    batch_infos.clear();
    if (wrote_snapshot)
      kept_snapshot.reset();
  }

  /// write_checkpoint's transaction. Throws lmdb::error.
  void checkpoint(const std::vector<chain_event>& events,
                  const std::vector<chain_intent_info>& infos, uint64_t seq,
                  const chain_snapshot_blob* snapshot) {
    auto t = lmdb::txn::begin(j.env.handle());
    uint64_t at = next_seq;
    for (const auto& e : events) {
      j.db.events.put(t.handle(), chain_seq_key(at), encode_chain_event(e),
                      MDB_APPEND);
      index_chain_event(t.handle(), j.db, at, e);
      ++at;
    }
    for (const auto& info : infos)
      j.intents.put(t.handle(), info.intent_id, encode_chain_intent_info(info));
    std::string value(8, '\0');
    for (int i = 0; i < 8; ++i)
      value[i] = static_cast<char>(seq >> (8 * i));
    j.db.meta.put(t.handle(), checkpoint_seq_key,
                  seal_value(checkpoint_seq_key, value));
    if (snapshot != nullptr && snapshot->events <= at)
      j.db.meta.put(t.handle(), chain_snapshot_key, snapshot->bytes);
    t.commit();
    next_seq = at;
  }

  bool grow() {
    uint64_t current = j.env.map_size();
    if (current >= max_map_size)
      return false;
    uint64_t next = current > max_map_size / 2 ? max_map_size : current * 2;
    std::unique_lock lock(remap);
    return mdb_env_set_mapsize(j.env.handle(), next) == MDB_SUCCESS;
  }
};

lmdb_chain_journal::lmdb_chain_journal(std::unique_ptr<impl> p)
    : impl_(std::move(p)) {}

lmdb_chain_journal::~lmdb_chain_journal() {
  // flush() grows a full map (a kept snapshot may need it); what is left
  // after a failure the impl's destructor tries once more.
  if (impl_->batch || impl_->unsaved || impl_->kept_snapshot) {
    try {
      (void)flush();
    } catch (const std::exception&) {
    }
  }
}

outcome<std::unique_ptr<lmdb_chain_journal>>
lmdb_chain_journal::open(const chain_journal_options& opts) {
  auto opened = open_beneath_log(opts);
  if (!opened)
    return opened;
  auto from = (*opened)->checkpoint_seq();
  if (!from)
    return from.error();
  auto dir = chain_log_dir(opts.path);
  auto pending =
      scan_chain_log(dir, from->value_or(1), [](uint64_t, std::string_view) {});
  if (!pending)
    return pending.error();
  if (*pending > 0)
    return problem{errc::storage_unavailable,
                   "the chain journal in " + opts.path + " has " +
                       std::to_string(*pending) + " records in its log (" +
                       dir +
                       ") that are not in LMDB; start once with "
                       "chain.simulated.journal: log, which checkpoints them "
                       "when it stops",
                   {}};
  return opened;
}

outcome<std::unique_ptr<lmdb_chain_journal>>
lmdb_chain_journal::open_beneath_log(const chain_journal_options& opts) {
  if (opts.path.empty())
    return problem{
        errc::storage_unavailable, "chain journal path is empty", {}};
  std::error_code ec;
  std::filesystem::create_directories(opts.path, ec);
  if (ec)
    return problem{errc::storage_unavailable,
                   "cannot create chain journal directory " + opts.path + ": " +
                       ec.message(),
                   {}};
  auto p = std::make_unique<impl>();
  p->path = opts.path;
  p->max_map_size = std::max(opts.max_map_size, opts.map_size);
  try {
    open_env(p->j, opts.path, opts.map_size, opts.sync ? 0u : MDB_NOSYNC);
    auto indexed = p->ensure_index();
    if (!indexed) {
      auto why = indexed.error();
      why.message =
          "cannot index the chain journal in " + opts.path + ": " + why.message;
      return why;
    }
    auto t = lmdb::txn::begin(p->j.env.handle(), MDB_RDONLY);
    auto c = lmdb::cursor::open(t.handle(), p->j.db.events);
    std::string_view k;
    std::string_view v;
    if (c.get(k, v, MDB_LAST))
      p->next_seq = parse_chain_seq(k) + 1;
  } catch (const lmdb::error& e) {
    auto why = storage_problem(e.code(), e.what(), opts.path);
    why.message = "cannot open the chain journal: " + why.message;
    return why;
  } catch (const std::exception& e) {
    return problem{errc::storage_unavailable,
                   "cannot open the chain journal in " + opts.path + ": " +
                       e.what(),
                   {}};
  }
  return std::unique_ptr<lmdb_chain_journal>(
      new lmdb_chain_journal(std::move(p)));
}

bool lmdb_chain_journal::record(const chain_event& event) {
  for (int attempt = 0;; ++attempt) {
    try {
      impl_->append(event);
      return true;
    } catch (const lmdb::error& e) {
      // The map can only grow with no transaction open, and LMDB aborts
      // the batch: grow, write the batch again and retry the event once.
      if (e.code() == MDB_MAP_FULL && attempt == 0) {
        try {
          if (impl_->redo_grown())
            continue;
        } catch (const lmdb::error& again) {
          impl_->last =
              storage_problem(again.code(), again.what(), impl_->path);
          impl_->keep_failed_batch();
          return false;
        }
      }
      impl_->last = storage_problem(e.code(), e.what(), impl_->path);
    } catch (const std::exception& e) {
      impl_->last = problem{errc::storage_unavailable,
                            std::string("chain journal: ") + e.what(),
                            {}};
    }
    // A failed write aborts LMDB's transaction: the events recorded before
    // this one are kept and written again.
    impl_->keep_failed_batch();
    impl_->reopen_kept();
    return false;
  }
}

bool lmdb_chain_journal::describe(const chain_intent_info& info) {
  for (int attempt = 0;; ++attempt) {
    try {
      impl_->append_info(info);
      return true;
    } catch (const lmdb::error& e) {
      impl_->last = storage_problem(e.code(), e.what(), impl_->path);
      if (e.code() == MDB_MAP_FULL && attempt == 0) {
        try {
          if (impl_->redo_grown())
            continue;
        } catch (const lmdb::error& again) {
          impl_->last =
              storage_problem(again.code(), again.what(), impl_->path);
        }
      }
    }
    impl_->keep_failed_batch();
    return false;
  }
}

outcome<std::optional<chain_intent_info>>
lmdb_chain_journal::intent_info(const std::string& intent_id) {
  return impl_->read<std::optional<chain_intent_info>>(
      [&](MDB_txn* t) -> outcome<std::optional<chain_intent_info>> {
        std::string_view v;
        if (!impl_->j.intents.get(t, intent_id, v))
          return std::optional<chain_intent_info>{};
        auto info = decode_chain_intent_info(intent_id, v);
        if (!info)
          return info.error();
        return std::optional<chain_intent_info>{std::move(*info)};
      });
}

bool lmdb_chain_journal::flush() {
  // A failed flush drops the kept snapshot: the chain's next flush writes
  // its events without it (a snapshot is best effort; one too large for
  // the map must not keep the events out of the journal).
  auto failed = [&] {
    impl_->kept_snapshot.reset();
    return false;
  };
  for (int attempt = 0;; ++attempt) {
    try {
      impl_->commit();
      return true;
    } catch (const lmdb::error& e) {
      impl_->last = storage_problem(e.code(), e.what(), impl_->path);
      // Kept: the next flush() commits the batch again (the chain retries).
      if (e.code() != MDB_MAP_FULL || attempt > 16)
        return failed();
      // A commit can run out of map too (a large snapshot: more than one
      // doubling): grow and write the batch again.
      try {
        if (!impl_->redo_grown())
          return failed();
      } catch (const lmdb::error& again) {
        impl_->last = storage_problem(again.code(), again.what(), impl_->path);
        impl_->keep_failed_batch();
        return failed();
      }
    }
  }
}

bool lmdb_chain_journal::replay(
    const std::function<void(const chain_event&)>& fn) {
  if (!flush())
    return false;
  try {
    std::shared_lock lock(impl_->remap);
    auto t = lmdb::txn::begin(impl_->j.env.handle(), MDB_RDONLY);
    auto c = lmdb::cursor::open(t.handle(), impl_->j.db.events);
    std::string_view k;
    std::string_view v;
    for (bool found = c.get(k, v, MDB_FIRST); found;
         found = c.get(k, v, MDB_NEXT)) {
      auto e = decode_chain_event(v);
      if (!e) {
        impl_->last = e.error();
        impl_->last.message += " (event " + std::to_string(parse_chain_seq(k)) +
                               " in " + impl_->path + ")";
        return false;
      }
      fn(*e);
    }
    return true;
  } catch (const lmdb::error& e) {
    impl_->last = storage_problem(e.code(), e.what(), impl_->path);
  } catch (const std::bad_alloc&) {
    impl_->last = problem{errc::internal, "chain journal: out of memory", {}};
  }
  return false;
}

void lmdb_chain_journal::keep_snapshot(const chain_ledger& ledger) {
  impl_->kept_snapshot =
      chain_snapshot_blob{ledger.events, encode_chain_snapshot(ledger)};
}

bool lmdb_chain_journal::replay_from(
    const std::function<void(outcome<chain_ledger>)>& load,
    const std::function<void(const chain_event&)>& fn) {
  if (!flush())
    return false;
  auto& s = *impl_;
  try {
    std::shared_lock lock(s.remap);
    auto t = lmdb::txn::begin(s.j.env.handle(), MDB_RDONLY);
    auto c = lmdb::cursor::open(t.handle(), s.j.db.events);
    std::string_view k;
    std::string_view v;
    uint64_t held = c.get(k, v, MDB_LAST) ? parse_chain_seq(k) + 1 : 0;
    uint64_t from = 0;
    std::string_view stored;
    if (s.j.db.meta.get(t.handle(), chain_snapshot_key, stored)) {
      auto ledger = decode_chain_snapshot(stored);
      if (ledger && ledger->events > held)
        ledger =
            problem{errc::storage_corrupt,
                    "the chain journal's ledger snapshot folds " +
                        std::to_string(ledger->events) +
                        " events, the journal holds " + std::to_string(held),
                    {}};
      if (ledger)
        from = ledger->events;
      else
        ledger = problem{ledger.error().code,
                         ledger.error().message + " (in " + s.path +
                             "): every event is replayed instead",
                         {}};
      load(std::move(ledger));
    }
    // From a snapshot, the events after it must all be there: a gap is
    // refused, as a damaged event is.
    const bool checked = from > 0;
    const std::string first = chain_seq_key(from);
    k = first;
    for (bool found = c.get(k, v, checked ? MDB_SET_RANGE : MDB_FIRST); found;
         found = c.get(k, v, MDB_NEXT), ++from) {
      if (checked && parse_chain_seq(k) != from)
        break;
      auto e = decode_chain_event(v);
      if (!e) {
        s.last = e.error();
        s.last.message += " (event " + std::to_string(parse_chain_seq(k)) +
                          " in " + s.path + ")";
        return false;
      }
      fn(*e);
    }
    if (checked && from != held) {
      s.last = problem{errc::storage_corrupt,
                       "the chain journal in " + s.path + " misses event " +
                           std::to_string(from) + " after its ledger snapshot",
                       {}};
      return false;
    }
    return true;
  } catch (const lmdb::error& e) {
    s.last = storage_problem(e.code(), e.what(), s.path);
  } catch (const std::bad_alloc&) {
    s.last = problem{errc::internal, "chain journal: out of memory", {}};
  }
  return false;
}

outcome<std::optional<uint64_t>> lmdb_chain_journal::checkpoint_seq() {
  return impl_->read<std::optional<uint64_t>>(
      [&](MDB_txn* t) { return read_checkpoint_seq(t, impl_->j.db.meta); });
}

outcome<done> lmdb_chain_journal::write_checkpoint(
    const std::vector<chain_event>& events,
    const std::vector<chain_intent_info>& infos, uint64_t seq,
    const chain_snapshot_blob* snapshot) {
  // Its problems are returned, not kept in last_problem(): it may run on
  // another thread than the lookups that set it.
  if ((impl_->batch || impl_->unsaved) && !flush())
    return impl_->last;
  for (int attempt = 0;; ++attempt) {
    try {
      impl_->checkpoint(events, infos, seq, snapshot);
      return done{};
    } catch (const lmdb::error& e) {
      auto why = storage_problem(e.code(), e.what(), impl_->path);
      // The transaction is gone: the map can grow, and it is written again.
      if (e.code() != MDB_MAP_FULL || attempt > 16 || !impl_->grow())
        return why;
    } catch (const std::exception& e) {
      return problem{errc::storage_unavailable,
                     std::string("chain journal: ") + e.what(),
                     {}};
    }
  }
}

outcome<done> lmdb_chain_journal::snapshot(
    const std::function<void(uint64_t checkpoint_seq)>& fn) {
  auto& s = *impl_;
  try {
    std::shared_lock lock(s.remap);
    auto t = lmdb::txn::begin(s.j.env.handle(), MDB_RDONLY);
    auto seq = read_checkpoint_seq(t.handle(), s.j.db.meta);
    if (!seq) {
      s.last = seq.error();
      return s.last;
    }
    struct reset {
      MDB_txn*& at;
      ~reset() { at = nullptr; }
    } guard{s.reading};
    s.reading = t.handle();
    fn(seq->value_or(1));
    return done{};
  } catch (const lmdb::error& e) {
    s.last = storage_problem(e.code(), e.what(), s.path);
    return s.last;
  }
}

chain_history* lmdb_chain_journal::history() {
  return this;
}

outcome<uint32_t> lmdb_chain_journal::executions(const std::string& intent_id) {
  return impl_->read<uint32_t>([&](MDB_txn* t) -> outcome<uint32_t> {
    return chain_executions(t, impl_->j.db, intent_id);
  });
}

outcome<std::optional<chain_event>>
lmdb_chain_journal::final_event(const std::string& intent_id) {
  return impl_->lookup(impl_->j.db.finals, intent_id);
}

outcome<std::optional<chain_event>>
lmdb_chain_journal::tx_event(const std::string& hash) {
  return impl_->lookup(impl_->j.db.txs, hash);
}

bool lmdb_chain_journal::each_execution(
    const std::function<void(const std::string&, uint32_t)>& fn) {
  auto r = impl_->read<done>([&](MDB_txn* t) -> outcome<done> {
    auto c = lmdb::cursor::open(t, impl_->j.db.executions);
    std::string_view k;
    std::string_view v;
    for (bool found = c.get(k, v, MDB_FIRST); found;
         found = c.get(k, v, MDB_NEXT))
      fn(std::string(k), chain_executions(t, impl_->j.db, k));
    return done{};
  });
  return static_cast<bool>(r);
}

uint64_t lmdb_chain_journal::size() const {
  return impl_->next_seq;
}

const problem& lmdb_chain_journal::last_problem() const {
  return impl_->last;
}

outcome<std::map<std::string, std::vector<journal_execution>>>
read_chain_execution_events(const std::string& path) {
  journal_env j;
  int code = 0;
  std::string what;
  for (unsigned flags : {MDB_RDONLY, MDB_RDONLY | MDB_NOLOCK}) {
    try {
      open_env(j, path, 0, flags);
      code = 0;
      break;
    } catch (const lmdb::error& e) {
      code = e.code();
      what = e.what();
    }
    if (!is_read_only_error(code))
      break;
  }
  if (code != 0)
    return storage_problem(code, what, path);
  std::map<std::string, std::vector<journal_execution>> out;
  uint64_t from = 1;
  try {
    auto t = lmdb::txn::begin(j.env.handle(), MDB_RDONLY);
    if (j.db.meta.handle() != 0) {
      auto recorded = read_checkpoint_seq(t.handle(), j.db.meta);
      if (!recorded)
        return recorded.error();
      from = recorded->value_or(1);
    }
    auto c = lmdb::cursor::open(t.handle(), j.db.events);
    std::string_view k;
    std::string_view v;
    for (bool found = c.get(k, v, MDB_FIRST); found;
         found = c.get(k, v, MDB_NEXT)) {
      auto e = decode_chain_event(v);
      if (!e)
        return e.error();
      if (is_execution(e->kind))
        out[e->intent_id].push_back({*e, false});
    }
  } catch (const lmdb::error& e) {
    return storage_problem(e.code(), e.what(), path);
  }
  std::optional<problem> bad;
  uint64_t first_seq = 0;
  auto scanned = scan_chain_log(
      chain_log_dir(path), from, [&](uint64_t seq, std::string_view payload) {
        if (bad)
          return;
        if (first_seq == 0) {
          first_seq = seq;
          if (seq != from) {
            bad = problem{errc::storage_corrupt,
                          "the chain journal's log in " + chain_log_dir(path) +
                              " starts at record " + std::to_string(seq) +
                              ", after the checkpoint's " +
                              std::to_string(from) + ": records are missing",
                          {}};
            return;
          }
        }
        auto entry = decode_chain_log_entry(payload, seq);
        if (!entry)
          bad = entry.error();
        else if (entry->kind == chain_log_kind::event &&
                 is_execution(entry->event.kind))
          out[entry->event.intent_id].push_back({entry->event, true});
      });
  if (!scanned)
    return scanned.error();
  if (bad)
    return *bad;
  return out;
}

outcome<std::map<std::string, uint32_t>>
read_chain_executions(const std::string& path) {
  auto events = read_chain_execution_events(path);
  if (!events)
    return events.error();
  std::map<std::string, uint32_t> out;
  for (const auto& [id, list] : *events)
    out[id] = static_cast<uint32_t>(list.size());
  return out;
}

} // namespace intentd
