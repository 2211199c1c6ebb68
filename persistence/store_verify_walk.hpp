#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "persistence/lmdb_env.hpp"
#include "persistence/store_verify.hpp"

/// The walk behind verify_storage: one read-only environment, one read
/// transaction, and the report it fills.
namespace intentd::verify_detail {

class walker {
public:
  /// Opens the environment in `dir` read-only; `label` goes in front of
  /// every table name in the report ("" or "chain ").
  static outcome<std::unique_ptr<walker>>
  open(const std::string& dir, std::string label, storage_report& report);

  /// A named database; nullopt when it is absent (a note, or damage when
  /// LMDB refuses it).
  std::optional<lmdb::dbi> open_db(const char* name, bool quiet = false);

  /// Calls `fn` with every entry of `db`, in key order; LMDB failures and
  /// entries outside the file stop the walk of this table as damage.
  void walk(const char* table, const lmdb::dbi& db,
            const std::function<void(std::string_view, std::string_view)>& fn);

  /// A point lookup; false when absent or outside the file, and when LMDB
  /// fails (reported as damage of the table being walked).
  bool get(const lmdb::dbi& db, std::string_view key, std::string_view& value);

  /// A point lookup that tells absent from failed: true when found, false
  /// when absent, nullopt when LMDB failed or the value lies outside the
  /// file (both reported as damage of the table being walked).
  std::optional<bool> find(const lmdb::dbi& db, std::string_view key,
                           std::string_view& value);

  /// Whether `bytes` lie in the used pages of the file.
  bool in_file(std::string_view bytes) const;

  /// `bytes` as text when printable, else as hex.
  std::string show(std::string_view bytes) const;

  void damage(std::string line);
  /// Damage lines reported so far.
  std::size_t damage_count() const { return report_.damage.size(); }
  void note(std::string line);

private:
  /// A new read transaction after LMDB failed in the current one.
  void renew();

  walker(std::string label, storage_report& report)
      : label_(std::move(label)), report_(report) {}

  std::string label_;
  storage_report& report_;
  lmdb::env env_;
  std::optional<lmdb::txn> txn_;
  lmdb::map_bounds bounds_;
};

/// Checks the chain journal `w` has open.
void check_chain_journal(walker& w);

/// Why a log record's payload does not decode; nullopt when it does.
using log_decoder =
    std::function<std::optional<std::string>(std::string_view, uint64_t)>;

/// Checks the write log in `dir` (none: nothing to check) beside the
/// environment `w` has open, read-only: its segments and records as
/// write_log::open() would find them, from LMDB's `meta/checkpoint_seq`,
/// each record after it decoded with `decode`. Damage that open() would
/// refuse, and records that do not decode, are damage; what it holds and
/// a torn tail (cut at the next start, never acknowledged) are notes
/// headed `name`.
void check_write_log(walker& w, const std::string& dir, const std::string& name,
                     const log_decoder& decode);

/// The table being walked, for a fault handler.
const char* current_table();

} // namespace intentd::verify_detail
