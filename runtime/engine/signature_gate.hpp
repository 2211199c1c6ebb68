#pragma once

#include <memory>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "runtime/model/account_keys.hpp"
#include "runtime/model/intent.hpp"
#include "runtime/model/problem.hpp"
#include "runtime/model/signature_check.hpp"

namespace intentd {

/// What the engine checks before a submission or a cancellation reaches
/// the directory: signatures against the keys registered on the ledger.
/// A signature or public key that is present is always checked;
/// `require_signatures` also refuses requests that carry none.
class signature_gate {
public:
  /// Registers the seeded keys of `cfg`; throws std::runtime_error on a key
  /// claimed by two accounts or an invalid account id.
  signature_gate(const cfg::security& cfg, std::shared_ptr<account_keys> keys);

  std::optional<problem> check_submit(const intent& in) const;

  /// `stored` is the intent as stored; `auth` the cancel body, if any.
  std::optional<problem>
  check_cancel(const intent& stored,
               const std::optional<cancel_auth>& auth) const;

  /// True when a cancellation has to look at the stored intent first.
  bool checks_cancel(const std::optional<cancel_auth>& auth) const;

  /// Registers a hex key to an account: true when new.
  outcome<bool> register_key(const std::string& account,
                             const std::string& public_key_hex);

  /// Takes back a raw key that register_key added (its storage failed).
  void unregister_key(const std::string& account, const std::string& raw_key);

  /// The account a read token proves at `now` (check_read_token).
  outcome<std::string> check_read_token(const std::string& token,
                                        time_us now) const;

private:
  bool required_ = false;
  uint32_t max_token_ttl_s_ = 900;
  std::shared_ptr<account_keys> keys_;
};

/// Logs loudly what the security section leaves open (no signatures
/// required, reads open to everyone, no admin key).
void log_security_warnings(const cfg::security& cfg);

} // namespace intentd
