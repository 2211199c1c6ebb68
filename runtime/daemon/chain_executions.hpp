#pragma once

#include <iosfwd>
#include <string>

namespace intentd {

/// `intentd --chain-executions PATH`: reads the simulated chain's journal
/// of the store in PATH (storage.path; the journal is PATH/chain) read-only,
/// LMDB and its log (read_chain_execution_events), and prints one JSON
/// line per executed intent on `out`, in id order:
///   {"id":"…","executions":N,"transactions":[{"tx_hash":"…","block":B,
///    "kind":"execute","in":"lmdb"},…]}
/// then a summary line on `err`. Returns 0 when every intent executed at
/// most once, 1 when one executed more than once, 2 when the journal
/// cannot be read (nothing printed on `out`: a journal that cannot be read
/// is never reported as no executions).
int run_chain_executions(const std::string& path, std::ostream& out,
                         std::ostream& err);

} // namespace intentd
