#include "persistence/chain_journal_log.hpp"

#include <map>
#include <unordered_map>
#include <vector>

#include "persistence/chain_log_format.hpp"

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

struct logged_chain_journal::impl {
  using time_point = std::chrono::steady_clock::time_point;

  logged_chain_journal_options opts;
  std::unique_ptr<lmdb_chain_journal> lmdb;
  write_log log;
  chain_log_open_report report;
  uint64_t checkpoint_seq = 1;
  overlay o;
  /// The batch is the events from `logged_events` on and `batch_infos`.
  std::size_t logged_events = 0;
  std::vector<chain_intent_info> batch_infos;
  /// Logged since the last checkpoint (the thresholds).
  uint64_t logged_entries = 0;
  uint64_t logged_bytes = 0;
  time_point last_checkpoint;
  /// After a failed checkpoint, none is tried before this.
  time_point retry_after;
  problem last{errc::internal, "", {}};

  impl(logged_chain_journal_options o_, std::unique_ptr<lmdb_chain_journal> j,
       write_log l)
      : opts(std::move(o_)), lmdb(std::move(j)), log(std::move(l)) {}

  time_point now() const {
    return opts.clock ? opts.clock() : std::chrono::steady_clock::now();
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
    auto first = log.append(views);
    if (!first) {
      last = first.error();
      return last;
    }
    logged_bytes += write_log::framed_size(views);
    logged_entries += payloads.size();
    logged_events = o.events.size();
    batch_infos.clear();
    return done{};
  }

  bool due(time_point at) const {
    if (log.next_seq() == checkpoint_seq || at < retry_after)
      return false;
    return at - last_checkpoint >= opts.checkpoint_interval ||
           logged_entries >= opts.checkpoint_entries ||
           logged_bytes >= opts.checkpoint_log_bytes;
  }

  /// Writes what was logged into LMDB; the batch must be empty.
  outcome<chain_checkpoint_report> checkpoint_logged() {
    chain_checkpoint_report out;
    out.seq = log.next_seq();
    if (out.seq == checkpoint_seq)
      return out;
    std::vector<chain_intent_info> infos;
    infos.reserve(o.infos.size());
    for (const auto& [id, info] : o.infos)
      infos.push_back(info);
    auto written = lmdb->write_checkpoint(o.events, infos, out.seq);
    if (!written) {
      last = written.error();
      return last;
    }
    checkpoint_seq = out.seq;
    out.events = o.events.size();
    out.infos = infos.size();
    if (opts.on_checkpoint_committed)
      opts.on_checkpoint_committed();
    o = overlay{};
    logged_events = 0;
    logged_entries = 0;
    logged_bytes = 0;
    auto removed = log.truncate_before(out.seq);
    if (!removed) {
      last = removed.error();
      last.message =
          "the chain journal's checkpoint at sequence " +
          std::to_string(out.seq) +
          " committed, but its log was not truncated: " + last.message;
      return last;
    }
    out.segments_removed = *removed;
    return out;
  }

  outcome<chain_checkpoint_report> checkpoint(time_point at) {
    last_checkpoint = at;
    auto appended = append_batch();
    if (!appended)
      return appended.error();
    auto done_ = checkpoint_logged();
    if (!done_)
      retry_after = at + opts.checkpoint_interval;
    return done_;
  }
};

logged_chain_journal::logged_chain_journal(std::unique_ptr<impl> p)
    : impl_(std::move(p)) {}

logged_chain_journal::~logged_chain_journal() {
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
  p->o = std::move(o);
  p->logged_events = p->o.events.size();
  p->logged_entries = report.events + report.infos;
  p->report = report;
  p->last_checkpoint = p->now();
  return std::unique_ptr<logged_chain_journal>(
      new logged_chain_journal(std::move(p)));
}

const chain_log_open_report& logged_chain_journal::open_report() const {
  return impl_->report;
}

bool logged_chain_journal::record(const chain_event& event) {
  impl_->o.note(event);
  return true;
}

bool logged_chain_journal::describe(const chain_intent_info& info) {
  impl_->o.note(info);
  impl_->batch_infos.push_back(info);
  return true;
}

bool logged_chain_journal::flush() {
  auto& s = *impl_;
  if (!s.append_batch())
    return false;
  auto at = s.now();
  if (s.due(at))
    (void)s.checkpoint(at);
  return true;
}

bool logged_chain_journal::replay(
    const std::function<void(const chain_event&)>& fn) {
  if (!impl_->lmdb->replay(fn)) {
    impl_->last = impl_->lmdb->last_problem();
    return false;
  }
  for (const auto& e : impl_->o.events)
    fn(e);
  return true;
}

chain_history* logged_chain_journal::history() {
  return this;
}

outcome<uint32_t>
logged_chain_journal::executions(const std::string& intent_id) {
  auto stored = impl_->lmdb->executions(intent_id);
  if (!stored) {
    impl_->last = stored.error();
    return stored;
  }
  auto i = impl_->o.executions.find(intent_id);
  return *stored + (i == impl_->o.executions.end() ? 0 : i->second);
}

outcome<std::optional<chain_event>>
logged_chain_journal::final_event(const std::string& intent_id) {
  const auto& o = impl_->o;
  if (auto i = o.finals.find(intent_id); i != o.finals.end())
    return std::optional<chain_event>{o.events[i->second]};
  auto stored = impl_->lmdb->final_event(intent_id);
  if (!stored)
    impl_->last = stored.error();
  return stored;
}

outcome<std::optional<chain_event>>
logged_chain_journal::tx_event(const std::string& hash) {
  const auto& o = impl_->o;
  if (auto i = o.txs.find(hash); i != o.txs.end())
    return std::optional<chain_event>{o.events[i->second]};
  auto stored = impl_->lmdb->tx_event(hash);
  if (!stored)
    impl_->last = stored.error();
  return stored;
}

bool logged_chain_journal::each_execution(
    const std::function<void(const std::string&, uint32_t)>& fn) {
  auto rest = impl_->o.executions;
  bool read =
      impl_->lmdb->each_execution([&](const std::string& id, uint32_t n) {
        if (auto i = rest.find(id); i != rest.end()) {
          n += i->second;
          rest.erase(i);
        }
        fn(id, n);
      });
  if (!read)
    return false;
  for (const auto& [id, n] : rest)
    fn(id, n);
  return true;
}

outcome<std::optional<chain_intent_info>>
logged_chain_journal::intent_info(const std::string& intent_id) {
  const auto& o = impl_->o;
  if (auto i = o.infos.find(intent_id); i != o.infos.end())
    return std::optional<chain_intent_info>{i->second};
  auto stored = impl_->lmdb->intent_info(intent_id);
  if (!stored)
    impl_->last = stored.error();
  return stored;
}

outcome<chain_checkpoint_report> logged_chain_journal::checkpoint() {
  return impl_->checkpoint(impl_->now());
}

bool logged_chain_journal::checkpoint_due(
    std::chrono::steady_clock::time_point now) const {
  return impl_->due(now);
}

uint64_t logged_chain_journal::size() const {
  return impl_->lmdb->size() + impl_->o.events.size();
}

std::size_t logged_chain_journal::overlay_size() const {
  return impl_->o.size();
}

uint64_t logged_chain_journal::checkpoint_seq() const {
  return impl_->checkpoint_seq;
}

const write_log& logged_chain_journal::log() const {
  return impl_->log;
}

const problem& logged_chain_journal::last_problem() const {
  return impl_->last;
}

outcome<std::unique_ptr<chain_journal>>
open_chain_journal(const chain_journal_options& opts, bool logged) {
  if (!logged) {
    auto j = lmdb_chain_journal::open(opts);
    if (!j)
      return j.error();
    return std::unique_ptr<chain_journal>(std::move(*j));
  }
  logged_chain_journal_options o;
  o.journal = opts;
  o.log.sync = opts.sync;
  auto j = logged_chain_journal::open(o);
  if (!j)
    return j.error();
  return std::unique_ptr<chain_journal>(std::move(*j));
}

} // namespace intentd
