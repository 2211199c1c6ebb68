#include "persistence/live_table.hpp"

#include "persistence/store_keys.hpp"

namespace intentd {

const live_table::index_map& live_table::map_of(index which) const {
  switch (which) {
  case index::status:
    return by_status_;
  case index::user:
    return by_user_;
  case index::expiry:
    return by_expiry_;
  case index::updated:
    return by_updated_;
  case index::dead:
    return dead_;
  case index::time:
    break;
  }
  return by_time_;
}

void live_table::unindex(const live_entry& e) {
  const auto& rec = e.rec;
  if (!rec.request.signature.empty())
    if (auto i = nonces_.find(
            keys::by_nonce(rec.request.user_account, rec.request.nonce));
        i != nonces_.end() && i->second == rec.request.id)
      nonces_.erase(i);
  if (e.purged)
    return;
  by_time_.erase(keys::by_time(rec));
  by_status_.erase(keys::by_status(rec));
  by_user_.erase(keys::by_user(rec));
  if (!is_terminal(rec.status))
    by_expiry_.erase(keys::by_expiry(rec));
  else if (!rec.dead_letter)
    by_updated_.erase(keys::by_updated(rec));
  if (rec.dead_letter)
    dead_.erase(keys::by_time(rec));
  for (const auto& tx : rec.execution.transactions)
    if (auto i = txs_.find(tx.hash);
        i != txs_.end() && i->second == rec.request.id)
      txs_.erase(i);
}

void live_table::index_of(const live_entry& e) {
  const auto& rec = e.rec;
  const auto& id = rec.request.id;
  if (!rec.request.signature.empty())
    nonces_[keys::by_nonce(rec.request.user_account, rec.request.nonce)] = id;
  if (e.purged)
    return;
  by_time_[keys::by_time(rec)] = &e;
  by_status_[keys::by_status(rec)] = &e;
  by_user_[keys::by_user(rec)] = &e;
  if (!is_terminal(rec.status))
    by_expiry_[keys::by_expiry(rec)] = &e;
  else if (!rec.dead_letter)
    by_updated_[keys::by_updated(rec)] = &e;
  if (rec.dead_letter)
    dead_[keys::by_time(rec)] = &e;
  for (const auto& tx : rec.execution.transactions)
    if (!tx.hash.empty())
      txs_[tx.hash] = id;
}

bool live_table::apply(intent_record rec, uint64_t log_seq) {
  auto i = by_id_.find(rec.request.id);
  if (i != by_id_.end()) {
    auto& e = i->second;
    if (e.rec.seq > rec.seq)
      return false;
    unindex(e);
    e.rec = std::move(rec);
    e.log_seq = log_seq;
    e.purged = false;
    index_of(e);
    return true;
  }
  std::string id = rec.request.id;
  auto& e = by_id_[id];
  e.rec = std::move(rec);
  e.log_seq = log_seq;
  index_of(e);
  return true;
}

void live_table::purge(const intent_record& last, uint64_t log_seq) {
  auto i = by_id_.find(last.request.id);
  if (i == by_id_.end())
    i = by_id_
            .emplace(last.request.id,
                     live_entry{last, log_seq, true, {}, false})
            .first;
  else
    unindex(i->second);
  auto& e = i->second;
  if (e.rec.seq < last.seq)
    e.rec = last;
  e.log_seq = log_seq;
  e.purged = true;
  index_of(e);
}

void live_table::set_base(const std::string& id,
                          std::optional<stored_state> base) {
  auto i = by_id_.find(id);
  if (i == by_id_.end())
    return;
  i->second.base = base;
  i->second.base_known = true;
}

void live_table::erase(const std::string& id) {
  auto i = by_id_.find(id);
  if (i == by_id_.end())
    return;
  unindex(i->second);
  by_id_.erase(i);
}

std::size_t live_table::drop_before(uint64_t seq) {
  std::size_t n = 0;
  for (auto i = by_id_.begin(); i != by_id_.end();) {
    if (i->second.log_seq < seq) {
      unindex(i->second);
      i = by_id_.erase(i);
      ++n;
    } else {
      ++i;
    }
  }
  return n;
}

const live_entry* live_table::find(std::string_view id) const {
  auto i = by_id_.find(std::string(id));
  return i == by_id_.end() ? nullptr : &i->second;
}

std::optional<std::string> live_table::nonce_owner(std::string_view user,
                                                   uint64_t nonce) const {
  auto i = nonces_.find(keys::by_nonce(user, nonce));
  if (i == nonces_.end())
    return std::nullopt;
  return i->second;
}

std::optional<std::string> live_table::tx_owner(const std::string& hash) const {
  auto i = txs_.find(hash);
  if (i == txs_.end())
    return std::nullopt;
  return i->second;
}

std::vector<const live_entry*> live_table::walk_down(
    index which, const std::string& prefix,
    const std::optional<std::string>& tail, std::size_t limit,
    const std::function<bool(const intent_record&)>& keep) const {
  const auto& m = map_of(which);
  std::vector<const live_entry*> out;
  std::string seek = tail ? prefix + *tail : keys::prefix_end(prefix);
  auto i = seek.empty() ? m.end() : m.lower_bound(seek);
  while (out.size() < limit && i != m.begin()) {
    --i;
    if (!keys::starts_with(i->first, prefix))
      break;
    const auto* e = i->second;
    if (!keep || keep(e->rec))
      out.push_back(e);
  }
  return out;
}

std::vector<const live_entry*> live_table::walk_up(const std::string& prefix,
                                                   const std::string& after,
                                                   std::size_t limit) const {
  std::vector<const live_entry*> out;
  auto i = after < prefix ? by_status_.lower_bound(prefix)
                          : by_status_.upper_bound(after);
  for (; out.size() < limit && i != by_status_.end() &&
         keys::starts_with(i->first, prefix);
       ++i)
    out.push_back(i->second);
  return out;
}

std::vector<std::pair<std::string, const live_entry*>>
live_table::keys_after(index which, const std::string& after,
                       std::size_t limit) const {
  const auto& m = map_of(which);
  std::vector<std::pair<std::string, const live_entry*>> out;
  for (auto i = after.empty() ? m.begin() : m.upper_bound(after);
       out.size() < limit && i != m.end(); ++i)
    out.emplace_back(i->first, i->second);
  return out;
}

} // namespace intentd
