#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/model/problem.hpp"

namespace intentd {

/// What verify_storage found.
struct storage_report {
  /// One line per damaged value, broken index entry or unreadable table,
  /// naming the table and the key (an intent id where there is one).
  std::vector<std::string> damage;
  /// One line per table: what was walked, and values in an older format.
  std::vector<std::string> notes;

  bool clean() const { return damage.empty(); }
};

/// Walks the store in directory `path` read-only (it may be served by a
/// running intentd; the walk sees one snapshot): every table and value of
/// the intent store, checksums, every record decoded, every index entry
/// checked against the record it names and every record against the index
/// entries it should have, and the counts; then the simulated chain's
/// journal in `path`/chain when there is one (events, finals, txs,
/// executions). A problem when the store cannot be opened at all:
/// storage_corrupt for a file LMDB refuses as damaged, storage_unavailable
/// for a path that holds no store.
///
/// LMDB keeps no page checksums: a damaged B-tree page can make LMDB itself
/// read outside the file. The caller (intentd --verify-storage) catches
/// such a fault and names verify_storage_table() in its report.
outcome<storage_report> verify_storage(const std::string& path);

/// The table verify_storage is reading, for a fault handler's message;
/// a static string, never freed.
const char* verify_storage_table();

} // namespace intentd
