#include "persistence/chain_journal_log.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "persistence/chain_log_format.hpp"
#include "persistence/chain_snapshot_codec.hpp"

namespace intentd {

namespace {

/// What was logged since the last checkpoint, and the batch not logged
/// yet: the events in order, the newest description per intent, and the
/// indexes of the LMDB journal (chain_journal_index.hpp) over them.
struct overlay {
  std::vector<chain_event> events;
  std::map<std::string, chain_intent_info> infos;
  std::unordered_map<std::string, uint32_t> executions;
  /// Intent id / transaction hash -> position in `events`.
  std::unordered_map<std::string, std::size_t> finals;
  std::unordered_map<std::string, std::size_t> txs;

  void note(const chain_event& e) {
    events.push_back(e);
    if (e.kind == chain_event_kind::reserve)
      return;
    auto at = events.size() - 1;
    finals[e.intent_id] = at;
    if (is_execution(e.kind))
      ++executions[e.intent_id];
    if (e.kind != chain_event_kind::release && !e.tx_hash.empty())
      txs[e.tx_hash] = at;
  }

  void note(const chain_intent_info& info) { infos[info.intent_id] = info; }

  std::size_t size() const { return events.size() + infos.size(); }
};

problem corrupt_log(const std::string& dir, const std::string& what) {
  return problem{errc::storage_corrupt,
                 "the chain journal is damaged: its log in " + dir + " " +
                     what +
                     "; restore the chain journal and its log from the same "
                     "backup",
                 {}};
}

} // namespace

/// An overlay frozen for a checkpoint: every log record before `seq` is in
/// it or in LMDB.
struct frozen_layer {
  overlay o;
  uint64_t seq = 0;
  /// The ledger snapshot kept when it was frozen: it folds no event after
  /// the layer's last, and is written with the layer. Dropped (by the
  /// checkpoint, under checkpoint_mutex) when a commit with it failed: a
  /// snapshot is best effort and never holds the events back.
  mutable std::optional<chain_snapshot_blob> snapshot;
};

struct logged_chain_journal::impl {
  using time_point = std::chrono::steady_clock::time_point;

  logged_chain_journal_options opts;
  std::unique_ptr<lmdb_chain_journal> lmdb;
  write_log log;
  chain_log_open_report report;

  // The owner's thread alone.
  /// What was logged since the last freezing, and the batch.
  overlay o;
  /// The batch is the events from `logged_events` on and `batch_infos`.
  std::size_t logged_events = 0;
  std::vector<chain_intent_info> batch_infos;
  /// Logged since the last freezing (the thresholds).
  uint64_t logged_entries = 0;
  uint64_t logged_bytes = 0;
  /// The frozen layer's entries and log bytes at its freezing (stale once
  /// it is dropped).
  uint64_t frozen_entries = 0;
  uint64_t frozen_bytes = 0;
  /// The log's next sequence at the last freezing (or at open).
  uint64_t frozen_upto = 1;
  time_point last_freeze;
  /// Without the checkpointer: after a failed checkpoint, it is not tried
  /// again before this (the pause grows with the failures in a row).
  time_point retry_after;
  /// The ledger snapshot keep_snapshot() handed over, until a freezing
  /// takes it.
  std::optional<chain_snapshot_blob> kept_snapshot;
  /// The checkpointer's failures already copied into `last`.
  uint64_t failures_seen = 0;
  problem last{errc::internal, "", {}};

  // Shared with the checkpointer.
  /// A checkpoint committed but its log's truncation failed: the next
  /// checkpoint truncates even with nothing frozen. checkpoint_mutex.
  bool truncation_pending = false;
  /// Appends and truncations of the log.
  std::mutex log_mutex;
  /// One checkpoint at a time: the checkpointer's, or checkpoint()'s.
  std::mutex checkpoint_mutex;
  /// The frozen layer (set by the owner, dropped by the checkpoint that
  /// committed it) and LMDB's event count, changed together.
  mutable std::mutex layer_mutex;
  std::shared_ptr<const frozen_layer> frozen;
  uint64_t lmdb_events = 0;
  std::atomic<uint64_t> checkpoint_seq{1};

  // The checkpointer's thread.
  mutable std::mutex run_mutex;
  std::condition_variable wake_cv;
  bool stop = false;
  bool wake = false;
  std::thread thread;

  /// The checkpoints' counters and the figures; any thread.
  std::shared_ptr<chain_journal_monitor> monitor;

  impl(logged_chain_journal_options o_, std::unique_ptr<lmdb_chain_journal> j,
       write_log l)
      : opts(std::move(o_)), lmdb(std::move(j)), log(std::move(l)),
        monitor(opts.monitor ? opts.monitor
                             : std::make_shared<chain_journal_monitor>()) {}

  time_point now() const {
    return opts.clock ? opts.clock() : std::chrono::steady_clock::now();
  }

  std::shared_ptr<const frozen_layer> frozen_now() const {
    std::lock_guard lock(layer_mutex);
    return frozen;
  }

  /// Appends the batch as one log batch (one write, one fdatasync).
  outcome<done> append_batch() {
    std::vector<std::string> payloads;
    payloads.reserve(o.events.size() - logged_events + batch_infos.size());
    for (auto i = logged_events; i < o.events.size(); ++i)
      payloads.push_back(encode_chain_log_event(o.events[i]));
    for (const auto& info : batch_infos)
      payloads.push_back(encode_chain_log_info(info));
    if (payloads.empty())
      return done{};
    std::vector<std::string_view> views(payloads.begin(), payloads.end());
    outcome<uint64_t> first = uint64_t{0};
    {
      std::lock_guard lock(log_mutex);
      first = log.append(views);
    }
    if (!first) {
      last = first.error();
      return last;
    }
    const auto bytes = write_log::framed_size(views);
    logged_bytes += bytes;
    monitor->log_bytes += bytes;
    logged_entries += payloads.size();
    logged_events = o.events.size();
    batch_infos.clear();
    return done{};
  }

  /// Something logged since the last freezing and a threshold reached.
  bool freeze_due(time_point at) const {
    if (log.next_seq() == frozen_upto)
      return false;
    return at - last_freeze >= opts.checkpoint_interval ||
           logged_entries >= opts.checkpoint_entries ||
           logged_bytes >= opts.checkpoint_log_bytes;
  }

  /// A frozen layer waits for its checkpoint while it and the overlay are
  /// past max_pending_entries or max_pending_log_bytes. The owner's thread.
  bool over_limit() const {
    if (o.size() + frozen_entries <= opts.max_pending_entries &&
        logged_bytes + frozen_bytes <= opts.max_pending_log_bytes)
      return false;
    return frozen_now() != nullptr;
  }

  /// The refusal of a call over the limit, counted.
  problem refuse() {
    ++monitor->refused;
    monitor->refusing = true;
    return problem{errc::storage_unavailable,
                   "the chain journal holds " +
                       std::to_string(o.size() + frozen_entries) +
                       " events and descriptions (" +
                       std::to_string(logged_bytes + frozen_bytes) +
                       " bytes of log) not yet checkpointed into LMDB; new "
                       "ones are refused until a checkpoint succeeds",
                   {}};
  }

  /// The overlay's size, for the monitor.
  void note_overlay() { monitor->overlay_entries = o.size(); }

  /// LMDB's part of a replay through `from_lmdb`, then the events of the
  /// frozen layer and of the overlay, with no checkpoint committing
  /// meanwhile (LMDB and the frozen layer agree).
  bool replay_after(const std::function<bool()>& from_lmdb,
                    const std::function<void(const chain_event&)>& fn) {
    std::lock_guard lock(checkpoint_mutex);
    if (!from_lmdb()) {
      last = lmdb->last_problem();
      return false;
    }
    if (auto layer = frozen_now())
      for (const auto& e : layer->o.events)
        fn(e);
    for (const auto& e : o.events)
      fn(e);
    return true;
  }

  /// What flush() at `at` would freeze for: freeze_due once the batch is
  /// appended, with no layer frozen.
  bool would_freeze(time_point at) const {
    if (frozen_now())
      return false;
    auto batch = o.events.size() - logged_events + batch_infos.size();
    if (log.next_seq() == frozen_upto && batch == 0)
      return false;
    return at - last_freeze >= opts.checkpoint_interval ||
           logged_entries + batch >= opts.checkpoint_entries ||
           logged_bytes >= opts.checkpoint_log_bytes;
  }

  /// Hands the overlay over as the frozen layer, with the kept snapshot
  /// (every event it folds was recorded, so is in the layer or in LMDB);
  /// the batch must be empty and no layer frozen.
  void freeze(time_point at) {
    auto layer = std::make_shared<frozen_layer>();
    layer->o = std::move(o);
    layer->seq = log.next_seq();
    frozen_entries = layer->o.size();
    frozen_bytes = logged_bytes;
    monitor->frozen_entries = frozen_entries;
    layer->snapshot = std::move(kept_snapshot);
    kept_snapshot.reset();
    o = overlay{};
    note_overlay();
    logged_events = 0;
    logged_entries = 0;
    logged_bytes = 0;
    frozen_upto = layer->seq;
    last_freeze = at;
    std::lock_guard lock(layer_mutex);
    frozen = std::move(layer);
  }

  /// Writes the frozen layer into LMDB, drops it and truncates the log
  /// before it; `wrote`: the layer reached LMDB (false when there was
  /// none, only a truncation to try again). Any thread, checkpoint_mutex
  /// held.
  outcome<chain_checkpoint_report> commit_frozen(bool& wrote) {
    chain_checkpoint_report out;
    wrote = false;
    auto layer = frozen_now();
    if (!layer) {
      out.seq = checkpoint_seq.load();
      return truncation_pending ? truncate_log(out) : out;
    }
    out.seq = layer->seq;
    if (opts.on_checkpoint_start)
      opts.on_checkpoint_start();
    if (opts.checkpoint_fault)
      if (auto fault = opts.checkpoint_fault())
        return *fault;
    std::vector<chain_intent_info> infos;
    infos.reserve(layer->o.infos.size());
    for (const auto& [id, info] : layer->o.infos)
      infos.push_back(info);
    auto written =
        lmdb->write_checkpoint(layer->o.events, infos, out.seq,
                               layer->snapshot ? &*layer->snapshot : nullptr);
    if (!written) {
      // The next try goes without it (a snapshot too large for the map
      // must not stop the events from reaching LMDB).
      layer->snapshot.reset();
      return written.error();
    }
    wrote = true;
    checkpoint_seq = out.seq;
    out.events = layer->o.events.size();
    out.infos = infos.size();
    if (opts.on_checkpoint_committed)
      opts.on_checkpoint_committed();
    {
      std::lock_guard lock(layer_mutex);
      lmdb_events += out.events;
      frozen.reset();
      monitor->frozen_entries = 0;
    }
    return truncate_log(out);
  }

  /// Removes the log's segments before `out.seq`; a failure is remembered
  /// so that the next checkpoint tries again even with nothing frozen.
  /// checkpoint_mutex held.
  outcome<chain_checkpoint_report> truncate_log(chain_checkpoint_report out) {
    outcome<std::size_t> removed = std::size_t{0};
    {
      std::lock_guard lock(log_mutex);
      removed = log.truncate_before(out.seq);
    }
    truncation_pending = !removed;
    if (!removed) {
      auto p = removed.error();
      p.message = "the chain journal's checkpoint at sequence " +
                  std::to_string(out.seq) +
                  " committed, but its log was not truncated: " + p.message;
      return p;
    }
    out.segments_removed = *removed;
    return out;
  }

  /// commit_frozen(), counted in the stats: a checkpoint when a layer
  /// (events, descriptions, a ledger snapshot) reached LMDB, whether or
  /// not the log's truncation after it failed; a retried truncation alone
  /// writes nothing into LMDB and is not one (its success ends the
  /// failures in a row, its failure is one more).
  outcome<chain_checkpoint_report> commit_reported() {
    bool wrote = false;
    auto done_ = commit_frozen(wrote);
    if (done_)
      monitor->checkpoints.succeeded(wrote);
    else
      monitor->checkpoints.failed(done_.error(), wrote);
    if (opts.on_checkpoint_done)
      opts.on_checkpoint_done(done_);
    return done_;
  }

  /// checkpoint(): the frozen layer, then the overlay, on this thread.
  outcome<chain_checkpoint_report> checkpoint(time_point at) {
    std::lock_guard lock(checkpoint_mutex);
    auto appended = append_batch();
    if (!appended)
      return appended.error();
    chain_checkpoint_report total;
    total.seq = checkpoint_seq.load();
    for (int layer = 0; layer < 2; ++layer) {
      if (!frozen_now()) {
        // A kept snapshot is frozen too, in a layer of no events if
        // nothing was logged since the last freezing: every event it
        // folds is in LMDB or the frozen layer committed just before.
        bool logged = log.next_seq() != frozen_upto;
        if (!logged && !truncation_pending && !kept_snapshot)
          break;
        if (logged || kept_snapshot)
          freeze(at);
      }
      auto done_ = commit_reported();
      if (!done_) {
        last = done_.error();
        retry_after = at + retry_pause();
        return last;
      }
      total.seq = done_->seq;
      total.events += done_->events;
      total.infos += done_->infos;
      total.segments_removed += done_->segments_removed;
    }
    return total;
  }

  /// flush() without the checkpointer: commits a due checkpoint here.
  void checkpoint_here(time_point at) {
    std::lock_guard lock(checkpoint_mutex);
    if ((frozen_now() || truncation_pending) && at < retry_after)
      return;
    if (!frozen_now()) {
      if (freeze_due(at))
        freeze(at);
      else if (!truncation_pending)
        return;
    }
    auto done_ = commit_reported();
    if (!done_) {
      last = done_.error();
      retry_after = at + retry_pause();
    }
  }

  /// The pause before the next checkpoint after the failures in a row.
  std::chrono::milliseconds retry_pause() const {
    return monitor->checkpoints.pause(opts.checkpoint_interval,
                                      opts.checkpoint_retry_max);
  }

  /// The checkpointer's failures since the last look, into `last`.
  void take_checkpointer_problem() {
    auto stats = monitor->checkpoints.stats();
    if (stats.failures != failures_seen && stats.last_problem)
      last = *stats.last_problem;
    failures_seen = stats.failures;
  }

  void nudge() {
    std::lock_guard lock(run_mutex);
    wake = true;
    wake_cv.notify_one();
  }

  void start_checkpointer() {
    thread = std::thread([this] {
      const auto interval =
          std::max(opts.checkpoint_interval, std::chrono::milliseconds{1});
      bool failing = false;
      std::unique_lock lock(run_mutex);
      while (!stop) {
        // A frozen layer at once, unless pausing after a failure; a failed
        // one again after the pause, which doubles at each failure.
        const auto pause = failing ? retry_pause() : interval;
        if (failing && opts.retry_wait) {
          lock.unlock();
          opts.retry_wait(pause);
          lock.lock();
        } else {
          bool woken = wake_cv.wait_for(
              lock, pause, [&] { return stop || (wake && !failing); });
          if (!woken && !failing)
            continue;
        }
        if (stop)
          break;
        wake = false;
        lock.unlock();
        std::optional<outcome<chain_checkpoint_report>> ran;
        {
          std::lock_guard run(checkpoint_mutex);
          if (frozen_now() || truncation_pending)
            ran = commit_reported();
        }
        lock.lock();
        // Nothing frozen (checkpoint() took it meanwhile): not failing.
        failing = ran && !*ran;
      }
    });
  }

  void stop_checkpointer() {
    {
      std::lock_guard lock(run_mutex);
      stop = true;
      wake_cv.notify_one();
    }
    if (thread.joinable())
      thread.join();
  }

  /// Calls `fn` with the frozen layer when LMDB's view does not hold it
  /// (else null); the LMDB lookups `fn` makes answer from that view.
  outcome<done>
  with_layers(const std::function<void(const overlay* layer)>& fn) {
    auto layer = frozen_now();
    // Only the owner freezes: none now, none until the owner's next flush,
    // and everything before the overlay is in LMDB.
    if (!layer) {
      fn(nullptr);
      return done{};
    }
    auto read = lmdb->snapshot(
        [&](uint64_t seq) { fn(seq < layer->seq ? &layer->o : nullptr); });
    if (!read)
      last = read.error();
    return read;
  }
};

logged_chain_journal::logged_chain_journal(std::unique_ptr<impl> p)
    : impl_(std::move(p)) {}

logged_chain_journal::~logged_chain_journal() {
  impl_->stop_checkpointer();
  if (impl_->opts.checkpoint_on_close)
    (void)impl_->checkpoint(impl_->now());
}

outcome<std::unique_ptr<logged_chain_journal>>
logged_chain_journal::open(const logged_chain_journal_options& opts) {
  auto lmdb = lmdb_chain_journal::open_beneath_log(opts.journal);
  if (!lmdb)
    return lmdb.error();
  auto recorded = (*lmdb)->checkpoint_seq();
  if (!recorded)
    return recorded.error();
  const uint64_t from = recorded->value_or(1);
  auto log_opts = opts.log;
  if (log_opts.dir.empty())
    log_opts.dir = chain_log_dir(opts.journal.path);
  overlay o;
  chain_log_open_report report;
  std::optional<problem> bad;
  auto log = write_log::open(
      log_opts, from, [&](uint64_t seq, std::string_view payload) {
        if (bad)
          return;
        auto entry = decode_chain_log_entry(payload, seq);
        if (!entry) {
          bad = entry.error();
        } else if (entry->kind == chain_log_kind::event) {
          o.note(entry->event);
          ++report.events;
        } else {
          o.note(entry->info);
          ++report.infos;
        }
      });
  if (!log)
    return log.error();
  if (bad)
    return *bad;
  if (*recorded && log->report().segments == 0)
    return corrupt_log(log_opts.dir,
                       "is missing while the journal's checkpoint is at "
                       "sequence " +
                           std::to_string(from));
  report.log = log->report();
  report.checkpoint_seq = from;
  auto p = std::make_unique<impl>(opts, std::move(*lmdb), std::move(*log));
  p->opts.log = log_opts;
  p->checkpoint_seq = from;
  p->frozen_upto = from;
  p->lmdb_events = p->lmdb->size();
  p->o = std::move(o);
  p->logged_events = p->o.events.size();
  p->logged_entries = report.events + report.infos;
  p->note_overlay();
  p->report = report;
  p->last_freeze = p->now();
  if (p->opts.checkpointer)
    p->start_checkpointer();
  return std::unique_ptr<logged_chain_journal>(
      new logged_chain_journal(std::move(p)));
}

const chain_log_open_report& logged_chain_journal::open_report() const {
  return impl_->report;
}

bool logged_chain_journal::record(const chain_event& event) {
  auto& s = *impl_;
  if (s.over_limit()) {
    s.last = s.refuse();
    return false;
  }
  s.o.note(event);
  s.note_overlay();
  return true;
}

bool logged_chain_journal::describe(const chain_intent_info& info) {
  // Never refused: a description follows an event record() took, and the
  // overlay keeps one per intent.
  auto& s = *impl_;
  s.o.note(info);
  s.batch_infos.push_back(info);
  s.note_overlay();
  return true;
}

bool logged_chain_journal::flush() {
  auto& s = *impl_;
  auto at = s.now();
  if (s.over_limit()) {
    // Without the checkpointer only a flush tries the checkpoint again.
    if (!s.opts.checkpointer)
      s.checkpoint_here(at);
    else
      s.take_checkpointer_problem();
    if (s.over_limit()) {
      s.last = s.refuse();
      return false;
    }
  }
  if (!s.append_batch())
    return false;
  s.monitor->refusing = false;
  if (!s.opts.checkpointer) {
    s.checkpoint_here(at);
    return true;
  }
  s.take_checkpointer_problem();
  if (!s.frozen_now() && s.freeze_due(at)) {
    s.freeze(at);
    s.nudge();
  }
  return true;
}

bool logged_chain_journal::replay(
    const std::function<void(const chain_event&)>& fn) {
  return impl_->replay_after([&] { return impl_->lmdb->replay(fn); }, fn);
}

bool logged_chain_journal::wants_snapshot() {
  return impl_->would_freeze(impl_->now());
}

void logged_chain_journal::keep_snapshot(const chain_ledger& ledger) {
  impl_->kept_snapshot =
      chain_snapshot_blob{ledger.events, encode_chain_snapshot(ledger)};
}

bool logged_chain_journal::replay_from(
    const std::function<void(outcome<chain_ledger>)>& load,
    const std::function<void(const chain_event&)>& fn) {
  return impl_->replay_after([&] { return impl_->lmdb->replay_from(load, fn); },
                             fn);
}

chain_history* logged_chain_journal::history() {
  return this;
}

namespace {

uint32_t executions_in(const overlay& o, const std::string& intent_id) {
  auto i = o.executions.find(intent_id);
  return i == o.executions.end() ? 0 : i->second;
}

/// The newest event `index` points to under `key`: the overlay's, the
/// frozen layer's, else LMDB's.
template<class Read>
outcome<std::optional<chain_event>>
newest_event(const overlay& o,
             std::unordered_map<std::string, std::size_t> overlay::*index,
             const std::string& key, Read&& lmdb_read,
             const std::function<outcome<done>(
                 const std::function<void(const overlay*)>&)>& layers) {
  if (auto i = (o.*index).find(key); i != (o.*index).end())
    return std::optional<chain_event>{o.events[i->second]};
  outcome<std::optional<chain_event>> out = std::optional<chain_event>{};
  auto read = layers([&](const overlay* layer) {
    if (layer != nullptr)
      if (auto i = (layer->*index).find(key); i != (layer->*index).end()) {
        out = std::optional<chain_event>{layer->events[i->second]};
        return;
      }
    out = lmdb_read();
  });
  if (!read)
    return read.error();
  return out;
}

} // namespace

outcome<uint32_t>
logged_chain_journal::executions(const std::string& intent_id) {
  auto& s = *impl_;
  outcome<uint32_t> out = uint32_t{0};
  auto read = s.with_layers([&](const overlay* layer) {
    out = s.lmdb->executions(intent_id);
    if (out && layer != nullptr)
      out = *out + executions_in(*layer, intent_id);
  });
  if (!read)
    return read.error();
  if (!out) {
    s.last = out.error();
    return out;
  }
  return *out + executions_in(s.o, intent_id);
}

outcome<std::optional<chain_event>>
logged_chain_journal::final_event(const std::string& intent_id) {
  auto& s = *impl_;
  auto out = newest_event(
      s.o, &overlay::finals, intent_id,
      [&] { return s.lmdb->final_event(intent_id); },
      [&](const auto& fn) { return s.with_layers(fn); });
  if (!out)
    s.last = out.error();
  return out;
}

outcome<std::optional<chain_event>>
logged_chain_journal::tx_event(const std::string& hash) {
  auto& s = *impl_;
  auto out = newest_event(
      s.o, &overlay::txs, hash, [&] { return s.lmdb->tx_event(hash); },
      [&](const auto& fn) { return s.with_layers(fn); });
  if (!out)
    s.last = out.error();
  return out;
}

bool logged_chain_journal::each_execution(
    const std::function<void(const std::string&, uint32_t)>& fn) {
  auto& s = *impl_;
  bool listed = false;
  auto read = s.with_layers([&](const overlay* layer) {
    auto rest = s.o.executions;
    if (layer != nullptr)
      for (const auto& [id, n] : layer->executions)
        rest[id] += n;
    listed = s.lmdb->each_execution([&](const std::string& id, uint32_t n) {
      if (auto i = rest.find(id); i != rest.end()) {
        n += i->second;
        rest.erase(i);
      }
      fn(id, n);
    });
    if (listed)
      for (const auto& [id, n] : rest)
        fn(id, n);
  });
  if (read && !listed)
    s.last = s.lmdb->last_problem();
  return read && listed;
}

outcome<std::optional<chain_intent_info>>
logged_chain_journal::intent_info(const std::string& intent_id) {
  auto& s = *impl_;
  if (auto i = s.o.infos.find(intent_id); i != s.o.infos.end())
    return std::optional<chain_intent_info>{i->second};
  outcome<std::optional<chain_intent_info>> out =
      std::optional<chain_intent_info>{};
  auto read = s.with_layers([&](const overlay* layer) {
    if (layer != nullptr)
      if (auto i = layer->infos.find(intent_id); i != layer->infos.end()) {
        out = std::optional<chain_intent_info>{i->second};
        return;
      }
    out = s.lmdb->intent_info(intent_id);
  });
  if (!read)
    return read.error();
  if (!out)
    s.last = out.error();
  return out;
}

outcome<chain_checkpoint_report> logged_chain_journal::checkpoint() {
  return impl_->checkpoint(impl_->now());
}

bool logged_chain_journal::checkpoint_due(
    std::chrono::steady_clock::time_point now) const {
  return !impl_->frozen_now() && impl_->freeze_due(now);
}

chain_checkpointer_stats logged_chain_journal::checkpointer_state() const {
  return impl_->monitor->checkpoints.stats();
}

std::shared_ptr<const chain_journal_monitor>
logged_chain_journal::monitor() const {
  return impl_->monitor;
}

uint64_t logged_chain_journal::size() const {
  std::lock_guard lock(impl_->layer_mutex);
  const auto& f = impl_->frozen;
  return impl_->lmdb_events + (f ? f->o.events.size() : 0) +
         impl_->o.events.size();
}

std::size_t logged_chain_journal::overlay_size() const {
  auto layer = impl_->frozen_now();
  return impl_->o.size() + (layer ? layer->o.size() : 0);
}

uint64_t logged_chain_journal::checkpoint_seq() const {
  return impl_->checkpoint_seq.load();
}

const write_log& logged_chain_journal::log() const {
  return impl_->log;
}

const problem& logged_chain_journal::last_problem() const {
  return impl_->last;
}

logged_chain_journal_options
chain_log_options_of(const chain_journal_options& journal,
                     logged_chain_journal_options base) {
  base.journal = journal;
  base.log.dir.clear();
  base.log.sync = journal.sync;
  base.log.recycle = true;
  base.log.segment_size = 4ull << 20;
  return base;
}

outcome<std::unique_ptr<chain_journal>>
open_chain_journal(const chain_journal_options& opts, bool logged,
                   logged_chain_journal_options base) {
  if (!logged) {
    auto j = lmdb_chain_journal::open(opts);
    if (!j)
      return j.error();
    return std::unique_ptr<chain_journal>(std::move(*j));
  }
  auto j =
      logged_chain_journal::open(chain_log_options_of(opts, std::move(base)));
  if (!j)
    return j.error();
  return std::unique_ptr<chain_journal>(std::move(*j));
}

} // namespace intentd
