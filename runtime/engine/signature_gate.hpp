#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "runtime/model/account_keys.hpp"
#include "runtime/model/intent.hpp"
#include "runtime/model/problem.hpp"
#include "runtime/model/read_token.hpp"
#include "runtime/model/signature_check.hpp"

namespace intentd {

/// Where an engine looks up the keys of an account that are kept elsewhere:
/// on a cluster node, the account's home node, which keeps the keys
/// registered over the API (docs/cluster.md, "Keys across nodes"). Bound
/// by the cluster once its endpoint runs; unbound, a lookup is answered
/// node_unavailable.
class key_lookup_slot {
public:
  /// The raw keys `account` holds where it is kept, or why they could not
  /// be asked for.
  using keys_reply = std::function<void(outcome<std::vector<std::string>>)>;
  using lookup = std::function<void(const std::string& account, keys_reply)>;

  void bind(lookup fn) {
    std::lock_guard<std::mutex> guard{mtx_};
    fn_ = std::move(fn);
  }

  /// Asks the bound lookup; answers `done` exactly once.
  void ask(const std::string& account, keys_reply done) const;

private:
  mutable std::mutex mtx_;
  lookup fn_;
};

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

  /// check_submit against `held`, the raw keys the account holds where it
  /// is kept (its home node), instead of the keys here.
  std::optional<problem>
  check_submit_with(const intent& in,
                    const std::vector<std::string>& held) const;

  /// check_cancel against `held`, as check_submit_with.
  std::optional<problem>
  check_cancel_with(const intent& stored,
                    const std::optional<cancel_auth>& auth,
                    const std::vector<std::string>& held) const;

  /// True when a refusal by the keys here may not hold for the keys kept
  /// elsewhere: the account holds no key here, or not the one signed with.
  static bool keys_elsewhere_may_differ(const problem& refused) {
    return refused.code == errc::unknown_account_key ||
           refused.code == errc::foreign_key;
  }

  /// Every raw key `account` holds here.
  std::vector<std::string> keys_of(const std::string& account) const {
    return keys_->keys_of(account);
  }

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

  /// check_read_token, saying whether only the keys here refused it
  /// (judge_read_token).
  read_token_verdict judge_read_token(const std::string& token,
                                      time_us now) const;

  /// check_read_token against `held`, the raw keys `account` holds where
  /// it is kept (its home node), instead of the keys here.
  outcome<std::string>
  check_read_token_with(const std::string& token, time_us now,
                        const std::string& account,
                        const std::vector<std::string>& held) const;

private:
  bool required_ = false;
  uint32_t max_token_ttl_s_ = 900;
  std::shared_ptr<account_keys> keys_;
};

/// Logs loudly what the security section leaves open (no signatures
/// required, reads open to everyone, no admin key).
void log_security_warnings(const cfg::security& cfg);

} // namespace intentd
