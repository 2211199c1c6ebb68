#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>

#include "runtime/model/chain_journal.hpp"

namespace intentd {

/// A chain_history kept in memory, for a chain without a journal (or with
/// one that keeps no index): it grows with every intent ever finished.
class memory_chain_history final : public chain_history {
public:
  /// Remembers what `event` finished: a release, execution or revert.
  void note(const chain_event& event);

  outcome<uint32_t> executions(const std::string& intent_id) override;
  outcome<std::optional<chain_event>>
  final_event(const std::string& intent_id) override;
  outcome<std::optional<chain_event>>
  tx_event(const std::string& hash) override;
  bool each_execution(
      const std::function<void(const std::string&, uint32_t)>& fn) override;
  outcome<std::optional<chain_intent_info>>
  intent_info(const std::string& intent_id) override;
  /// Keeps (replaces) an intent's description.
  void note(const chain_intent_info& info);

  /// Entries held: final events, execution counts and transactions.
  std::size_t size() const;

private:
  std::unordered_map<std::string, chain_event> finals_;
  std::unordered_map<std::string, uint32_t> executions_;
  std::unordered_map<std::string, chain_event> txs_;
  std::unordered_map<std::string, chain_intent_info> infos_;
};

} // namespace intentd
