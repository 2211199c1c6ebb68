#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/model/chain_journal.hpp"
#include "runtime/model/problem.hpp"

namespace intentd {

/// An encoded ledger snapshot (chain_snapshot_codec.hpp) and the number of
/// events it folds.
struct chain_snapshot_blob {
  uint64_t events = 0;
  std::string bytes;
};

/// Where and how to keep the simulated chain's journal.
struct chain_journal_options {
  std::string path; // its own directory, e.g. <storage.path>/chain
  bool sync = true; // fsync every record: a real chain's finality
  uint64_t map_size = 256ull << 20;
  /// The map doubles on demand up to this many bytes.
  uint64_t max_map_size = 64ull << 30;
};

/// The simulated chain's journal in its own LMDB environment: database
/// `events` maps a big-endian sequence number to an encoded chain_event
/// (append only), database `executions` maps an intent id to its number of
/// successful executions as decimal text, for `mdb_dump -p -s executions`.
/// Database `intents` maps an intent id to what it was (action, account,
/// tokens, amounts) and when the chain reserved and last moved it.
/// Databases `finals` (intent id) and `txs` (transaction hash) point to
/// events, so the chain's history is read here rather than held in memory;
/// all are written in the batch transaction of the event, and lookups see
/// the open batch. Owned and called by one thread (the chain's owner).
///
/// Database `meta` also holds `checkpoint_seq` when a logged_chain_journal
/// checkpoints into this environment: every record of its log before that
/// sequence is in these databases.
class lmdb_chain_journal final : public chain_journal, public chain_history {
public:
  ~lmdb_chain_journal() override;

  /// Opens (or creates) the journal in opts.path. Refuses
  /// (storage_unavailable) a journal whose log (`<path>/wal`, left by a
  /// logged_chain_journal) holds records after checkpoint_seq: those
  /// events are not in LMDB, and opening without them could execute an
  /// intent again.
  static outcome<std::unique_ptr<lmdb_chain_journal>>
  open(const chain_journal_options& opts);
  /// open() without looking at the log: for the logged_chain_journal that
  /// replays it.
  static outcome<std::unique_ptr<lmdb_chain_journal>>
  open_beneath_log(const chain_journal_options& opts);

  /// The log sequence recorded by the last write_checkpoint(); empty when
  /// there was none.
  outcome<std::optional<uint64_t>> checkpoint_seq();
  /// Appends `events` (indexed) and keeps `infos`, with checkpoint_seq =
  /// `seq` and `snapshot` (when given and it folds no more events than the
  /// journal then holds), in one transaction committed with the
  /// environment's sync, growing the map as needed. Commits the open batch
  /// first, if any. On a failure nothing of it is written. May run on
  /// another thread than the lookups (a logged_chain_journal's
  /// checkpointer) when nothing is recorded here: it leaves last_problem()
  /// and the open batch alone.
  outcome<done> write_checkpoint(const std::vector<chain_event>& events,
                                 const std::vector<chain_intent_info>& infos,
                                 uint64_t seq,
                                 const chain_snapshot_blob* snapshot = nullptr);
  /// Calls `fn` inside one read transaction with the checkpoint_seq it
  /// sees (none: 1); the lookups `fn` makes answer from that transaction,
  /// so they and the sequence agree while another thread commits a
  /// checkpoint. Called by the lookups' thread.
  outcome<done>
  snapshot(const std::function<void(uint64_t checkpoint_seq)>& fn);

  /// Appends one event to the open batch; false when it could not (the
  /// problem is in last_problem()).
  bool record(const chain_event& event) override;
  /// Commits the batch in one transaction (synced unless sync is off).
  /// When that fails (a full disk) the batch's events are kept and written
  /// again by the next record() or flush(), until one commit takes them.
  bool flush() override;
  bool replay(const std::function<void(const chain_event&)>& fn) override;
  /// Always: every flush() writes the kept snapshot.
  bool wants_snapshot() override { return true; }
  /// Encodes the ledger and keeps it for the next flush(), which writes
  /// it into `meta` in its batch's transaction.
  void keep_snapshot(const chain_ledger& ledger) override;
  /// The snapshot in `meta` (when it checks and folds no more events than
  /// the journal holds), then the events from its count on, in one read
  /// transaction; a gap in their keys is refused.
  bool replay_from(const std::function<void(outcome<chain_ledger>)>& load,
                   const std::function<void(const chain_event&)>& fn) override;
  /// Writes the description into database `intents`, in the open batch.
  bool describe(const chain_intent_info& info) override;
  /// This journal: it keeps an index of its events.
  chain_history* history() override;

  outcome<uint32_t> executions(const std::string& intent_id) override;
  outcome<std::optional<chain_event>>
  final_event(const std::string& intent_id) override;
  outcome<std::optional<chain_event>>
  tx_event(const std::string& hash) override;
  bool each_execution(
      const std::function<void(const std::string&, uint32_t)>& fn) override;
  outcome<std::optional<chain_intent_info>>
  intent_info(const std::string& intent_id) override;

  /// How many events the journal holds (not to be read while another
  /// thread runs write_checkpoint()).
  uint64_t size() const;
  /// Why the last record() or replay() failed.
  const problem& last_problem() const;

private:
  struct impl;
  explicit lmdb_chain_journal(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

/// One successful execution (an execute or settle event) found by
/// read_chain_execution_events, and where: LMDB or the log.
struct journal_execution {
  chain_event event;
  bool in_log = false;
};

/// The successful executions of the journal in `path` (for example one
/// left by a killed daemon) per intent id, in journal order: the execute
/// and settle events of LMDB, then those of its log from checkpoint_seq
/// on (scan_chain_log: the whole records, a torn tail left alone). Opens
/// it read-only; call it only where no journal on `path` is open in this
/// process. A journal that cannot be read (none in `path`, a damaged
/// event or log record) is a problem, never an empty answer.
outcome<std::map<std::string, std::vector<journal_execution>>>
read_chain_execution_events(const std::string& path);

/// Successful executions per intent id: read_chain_execution_events
/// counted.
outcome<std::map<std::string, uint32_t>>
read_chain_executions(const std::string& path);

} // namespace intentd
