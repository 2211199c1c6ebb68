#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/model/chain_journal.hpp"
#include "runtime/model/problem.hpp"

namespace intentd {

/// The version encode_chain_snapshot writes; decode refuses others.
constexpr uint8_t chain_snapshot_version = 1;

/// Where the chain journal's `meta` database keeps the ledger snapshot.
constexpr char chain_snapshot_key[] = "ledger_snapshot";

/// Binary form of a ledger snapshot (docs/durability.md, "The chain's
/// ledger snapshot"): version, events, block (varints), the accounts (a
/// count, then each name and its balances: a count, then token and amount
/// as a varint), the reservations (a count, then intent id, account, token,
/// amount), then the CRC-32C (4 bytes, little-endian) of every byte before.
std::string encode_chain_snapshot(const chain_ledger& ledger);

/// Parses encode_chain_snapshot's output; a storage_corrupt problem for a
/// value that fails its checksum, has another version or does not parse.
outcome<chain_ledger> decode_chain_snapshot(std::string_view bytes);

/// The ledger after `e` is applied to `ledger`, for the parts that do not
/// depend on an account's starting balance (the block, the reservations,
/// the count of events): what --verify-storage folds to check a snapshot.
void fold_chain_reservations(chain_ledger& ledger, const chain_event& e);

} // namespace intentd
