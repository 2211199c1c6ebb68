#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "persistence/lmdb_env.hpp"
#include "runtime/model/chain_journal.hpp"
#include "runtime/model/problem.hpp"

namespace intentd {

/// The databases of a chain journal environment.
struct chain_journal_dbs {
  /// Big-endian sequence number -> encoded chain_event, append only.
  lmdb::dbi events;
  /// Intent id -> successful executions as decimal text (read by mdb_dump).
  lmdb::dbi executions;
  /// Intent id -> index value of its last release, execute or revert.
  lmdb::dbi finals;
  /// Transaction hash -> index value of the event that mined it.
  lmdb::dbi txs;
  /// "index" -> the format version the indexes were built with.
  lmdb::dbi meta;
};

/// Version in front of every index value (and stored in meta); an index of
/// another version is rebuilt from the events when the journal opens.
/// Version 2 seals each finals and txs value with a CRC-32C of its key and
/// bytes (checksum.hpp).
constexpr uint8_t chain_index_format_version = 2;

/// Key of event number `seq` in `events`: 8 bytes, big-endian.
std::string chain_seq_key(uint64_t seq);
uint64_t parse_chain_seq(std::string_view key);

/// Adds event `e`, stored as number `seq`, to the indexes. Throws
/// lmdb::error.
void index_chain_event(MDB_txn* t, const chain_journal_dbs& d, uint64_t seq,
                       const chain_event& e);

/// Whether the indexes were built by this version. Throws lmdb::error.
bool chain_index_current(MDB_txn* t, const chain_journal_dbs& d);

/// Builds the indexes again from every event and marks them current; a
/// problem when an event cannot be decoded. Throws lmdb::error.
outcome<done> rebuild_chain_index(MDB_txn* t, const chain_journal_dbs& d);

/// Successful executions of an intent. Throws lmdb::error.
uint32_t chain_executions(MDB_txn* t, const chain_journal_dbs& d,
                          std::string_view intent_id);

/// The event that `index` (finals or txs) points to under `key`; empty
/// when the key is absent, a storage_corrupt problem when the entry or the
/// event is damaged or the event is not the key's. Throws lmdb::error.
outcome<std::optional<chain_event>>
indexed_chain_event(MDB_txn* t, const chain_journal_dbs& d,
                    const lmdb::dbi& index, std::string_view key);

} // namespace intentd
