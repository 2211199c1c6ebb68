#include "runtime/model/memory_chain_history.hpp"

namespace intentd {

namespace {

outcome<std::optional<chain_event>>
find_in(const std::unordered_map<std::string, chain_event>& map,
        const std::string& key) {
  auto i = map.find(key);
  if (i == map.end())
    return std::optional<chain_event>{};
  return std::optional<chain_event>{i->second};
}

} // namespace

void memory_chain_history::note(const chain_event& e) {
  if (e.kind == chain_event_kind::reserve)
    return;
  finals_[e.intent_id] = e;
  if (is_execution(e.kind))
    ++executions_[e.intent_id];
  if (e.kind != chain_event_kind::release && !e.tx_hash.empty())
    txs_[e.tx_hash] = e;
}

outcome<uint32_t>
memory_chain_history::executions(const std::string& intent_id) {
  auto i = executions_.find(intent_id);
  return i == executions_.end() ? 0u : i->second;
}

outcome<std::optional<chain_event>>
memory_chain_history::final_event(const std::string& intent_id) {
  return find_in(finals_, intent_id);
}

outcome<std::optional<chain_event>>
memory_chain_history::tx_event(const std::string& hash) {
  return find_in(txs_, hash);
}

bool memory_chain_history::each_execution(
    const std::function<void(const std::string&, uint32_t)>& fn) {
  for (const auto& [id, n] : executions_)
    fn(id, n);
  return true;
}

outcome<std::optional<chain_intent_info>>
memory_chain_history::intent_info(const std::string& intent_id) {
  auto i = infos_.find(intent_id);
  if (i == infos_.end())
    return std::optional<chain_intent_info>{};
  return std::optional<chain_intent_info>{i->second};
}

void memory_chain_history::note(const chain_intent_info& info) {
  infos_[info.intent_id] = info;
}

std::size_t memory_chain_history::size() const {
  return finals_.size() + executions_.size() + txs_.size();
}

} // namespace intentd
