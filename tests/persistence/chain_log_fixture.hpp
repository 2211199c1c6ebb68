#pragma once

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "crash_copy.hpp"
#include "persistence/chain_journal_log.hpp"
#include "store_fixture.hpp"

namespace intentd::test {

/// A logged chain journal in `<dir>/chain` as the daemon opens it
/// (chain_log_options_of: its retired log segments reused), but without
/// fsync, with small log segments (so that checkpoints have whole segments
/// to remove), checkpoints only when asked and run on the caller's thread.
/// `recycle` false: every retired segment removed instead.
inline logged_chain_journal_options chain_log_options(const temp_dir& dir,
                                                      bool recycle = true) {
  chain_journal_options journal;
  journal.path = (dir.path() / "chain").string();
  journal.sync = false;
  auto o = chain_log_options_of(journal);
  o.log.recycle = recycle;
  o.log.segment_size = 1024;
  o.checkpoint_interval = std::chrono::hours{1};
  o.checkpointer = false;
  return o;
}

inline std::unique_ptr<logged_chain_journal>
open_chain_log(const logged_chain_journal_options& o) {
  auto j = logged_chain_journal::open(o);
  REQUIRE_MESSAGE(j, why(j));
  return std::move(*j);
}

inline std::string tx_of(const std::string& id, int n = 0) {
  return "0x" + std::string(40, 'c') + id + "-" + std::to_string(n);
}

inline chain_event reserve_of(const std::string& id) {
  chain_event e;
  e.kind = chain_event_kind::reserve;
  e.intent_id = id;
  e.account = "alice.near";
  e.token = "usdc.near";
  e.amount = 1000;
  return e;
}

inline chain_event execute_of(const std::string& id, int n = 0) {
  return {chain_event_kind::execute,
          id,
          "bob.near",
          "usdc.near",
          990,
          tx_of(id, n),
          static_cast<uint64_t>(n + 1)};
}

inline chain_event settle_of(const std::string& id, int n = 0) {
  chain_event e{
      chain_event_kind::settle,    id, "bob.near", "wrap.near", 5, tx_of(id, n),
      static_cast<uint64_t>(n + 1)};
  e.payer = "alice.near";
  e.payer_token = "usdc.near";
  e.refund = 3;
  e.solver_account = "solver.near";
  e.solver_received = 1002;
  e.solver_paid = 5;
  e.fee = 2;
  return e;
}

inline chain_event revert_of(const std::string& id, int n = 0) {
  return {chain_event_kind::revert,
          id,
          "alice.near",
          "usdc.near",
          1000,
          n % 2 == 0 ? tx_of(id, n) : std::string{},
          static_cast<uint64_t>(n + 1)};
}

inline chain_event release_of(const std::string& id) {
  chain_event e;
  e.kind = chain_event_kind::release;
  e.intent_id = id;
  return e;
}

inline chain_intent_info info_of(const std::string& id, time_us at) {
  chain_intent_info info;
  info.intent_id = id;
  info.action = action_kind::transfer;
  info.user_account = "alice.near";
  info.input_token = "usdc.near";
  info.input_amount = 1000;
  info.recipient = "bob.near";
  info.first_seen = at;
  info.last_change = at + 5;
  return info;
}

inline uint32_t executions_in(chain_history& h, const std::string& id) {
  auto n = h.executions(id);
  REQUIRE_MESSAGE(n, why(n));
  return *n;
}

/// Every event replay() hands out, in order.
inline std::vector<chain_event> replayed(chain_journal& j) {
  std::vector<chain_event> out;
  REQUIRE(j.replay([&](const chain_event& e) { out.push_back(e); }));
  return out;
}

/// each_execution() as a map.
inline std::map<std::string, uint32_t> execution_map(chain_history& h) {
  std::map<std::string, uint32_t> out;
  REQUIRE(h.each_execution(
      [&](const std::string& id, uint32_t n) { out[id] += n; }));
  return out;
}

/// The files of a journal's log with the extension `ext`, oldest first.
inline std::vector<std::filesystem::path>
chain_log_files(const logged_chain_journal_options& o, const char* ext) {
  std::vector<std::filesystem::path> out;
  std::filesystem::path dir = std::filesystem::path(o.journal.path) / "wal";
  if (!std::filesystem::exists(dir))
    return out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ext)
      out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

/// The log's segment files of a journal, oldest first (not its spares).
inline std::vector<std::filesystem::path>
chain_wal_files(const logged_chain_journal_options& o) {
  return chain_log_files(o, ".wal");
}

/// The retired segments a recycling log keeps for reuse.
inline std::vector<std::filesystem::path>
chain_spare_files(const logged_chain_journal_options& o) {
  return chain_log_files(o, ".spare");
}

/// The id of the i-th intent of the crash tests.
inline std::string id_of(int i) {
  return "x" + std::to_string(i);
}

/// Opens the journal a crash left in `crashed` (its `chain` directory)
/// when `flushed_at_crash` of `flushes` flushes (flush i executing
/// id_of(i)) had returned: each flushed one executed once, none after the
/// one in flight, that one at most once, and every event replayed once.
inline void check_crash_copy(const temp_dir& crashed, int flushed_at_crash,
                             int flushes = 12, bool recycle = true) {
  auto j = open_chain_log(chain_log_options(crashed, recycle));
  for (int i = 0; i < flushes; ++i) {
    CAPTURE(i);
    auto executed = executions_in(*j, id_of(i));
    if (i < flushed_at_crash)
      CHECK(executed == 1);
    else if (i > flushed_at_crash)
      CHECK(executed == 0);
    else
      CHECK(executed <= 1);
  }
  CHECK(replayed(*j).size() == 2 * (execution_map(*j).size()));
}

} // namespace intentd::test
