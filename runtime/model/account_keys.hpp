#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "runtime/model/problem.hpp"

namespace intentd {

/// The ed25519 public keys registered to accounts: who may sign for whom.
/// A key belongs to at most one account; an account may hold several keys.
/// Thread-safe: the gateway reads it while an admin call registers keys.
class account_keys {
public:
  /// Registers a raw 32-byte key to `account`. True when it is new, false
  /// when the account already held it; conflict when another account does.
  outcome<bool> add(const std::string& account, const std::string& key);

  /// Takes a raw key back from `account`; false when the account did not
  /// hold it (another account's key is left alone).
  bool remove(const std::string& account, const std::string& key);

  /// True when `account` holds at least one key.
  bool has_keys(const std::string& account) const;

  /// The account holding a raw key, if any.
  std::optional<std::string> owner(const std::string& key) const;

  /// Every key of an account, raw.
  std::vector<std::string> keys_of(const std::string& account) const;

private:
  mutable std::mutex mtx_;
  std::map<std::string, std::string> owner_; // raw key -> account
  std::map<std::string, std::set<std::string>> keys_;
};

} // namespace intentd
