#include "runtime/model/account_keys.hpp"

namespace intentd {

outcome<bool> account_keys::add(const std::string& account,
                                const std::string& key) {
  if (key.size() != 32)
    return problem{errc::bad_request,
                   "A public key is 32 bytes (64 hex digits).",
                   {{"public_key", "must be 64 hex digits"}}};
  std::lock_guard<std::mutex> guard{mtx_};
  auto [i, added] = owner_.emplace(key, account);
  if (!added && i->second != account)
    return problem{errc::conflict,
                   "This public key is registered to another account.",
                   {}};
  keys_[account].insert(key);
  return added;
}

bool account_keys::remove(const std::string& account, const std::string& key) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = owner_.find(key);
  if (i == owner_.end() || i->second != account)
    return false;
  owner_.erase(i);
  auto k = keys_.find(account);
  if (k != keys_.end()) {
    k->second.erase(key);
    if (k->second.empty())
      keys_.erase(k);
  }
  return true;
}

bool account_keys::has_keys(const std::string& account) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = keys_.find(account);
  return i != keys_.end() && !i->second.empty();
}

std::optional<std::string> account_keys::owner(const std::string& key) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = owner_.find(key);
  if (i == owner_.end())
    return std::nullopt;
  return i->second;
}

std::vector<std::string>
account_keys::keys_of(const std::string& account) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = keys_.find(account);
  if (i == keys_.end())
    return {};
  return {i->second.begin(), i->second.end()};
}

} // namespace intentd
