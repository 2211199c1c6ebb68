#include "runtime/engine/signature_gate.hpp"

#include <stdexcept>

#include <spdlog/spdlog.h>

#include "runtime/model/read_token.hpp"
#include "runtime/model/signing.hpp"
#include "runtime/model/validation.hpp"

namespace intentd {

void key_lookup_slot::ask(const std::string& account, keys_reply done) const {
  lookup fn;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    fn = fn_;
  }
  if (!fn)
    return done(problem{errc::node_unavailable,
                        "This node is not connected to the cluster, where the "
                        "keys of " +
                            account + " are kept; retry shortly.",
                        {}});
  fn(account, std::move(done));
}

namespace {

/// `out` with the keys of `account` as its home node holds them.
const account_keys& held_keys(account_keys& out, const std::string& account,
                              const std::vector<std::string>& held) {
  for (const auto& key : held)
    (void)out.add(account, key);
  return out;
}

} // namespace

signature_gate::signature_gate(const cfg::security& cfg,
                               std::shared_ptr<account_keys> keys)
    : required_(cfg.require_signatures),
      max_token_ttl_s_(cfg.read_token_max_ttl_s), keys_(std::move(keys)) {
  for (const auto& seeded : cfg.keys) {
    auto added = register_key(seeded.account, seeded.public_key);
    if (!added)
      throw std::runtime_error("security.keys: " + seeded.account + ": " +
                               added.error().message);
  }
}

std::optional<problem> signature_gate::check_submit(const intent& in) const {
  // A key without a signature is checked too (and refused): it is not let
  // through as if the request were unsigned.
  if (in.signature.empty() && in.public_key.empty() && !required_)
    return std::nullopt;
  return check_intent_signature(in, *keys_);
}

std::optional<problem>
signature_gate::check_submit_with(const intent& in,
                                  const std::vector<std::string>& held) const {
  account_keys keys;
  return check_intent_signature(in, held_keys(keys, in.user_account, held));
}

std::optional<problem>
signature_gate::check_cancel_with(const intent& stored,
                                  const std::optional<cancel_auth>& auth,
                                  const std::vector<std::string>& held) const {
  account_keys keys;
  return check_cancel_signature(stored, auth.value_or(cancel_auth{}),
                                held_keys(keys, stored.user_account, held));
}

bool signature_gate::checks_cancel(
    const std::optional<cancel_auth>& auth) const {
  return required_ ||
         (auth && !(auth->signature.empty() && auth->public_key.empty()));
}

std::optional<problem>
signature_gate::check_cancel(const intent& stored,
                             const std::optional<cancel_auth>& auth) const {
  if (!checks_cancel(auth))
    return std::nullopt;
  return check_cancel_signature(stored, auth.value_or(cancel_auth{}), *keys_);
}

outcome<bool> signature_gate::register_key(const std::string& account,
                                           const std::string& public_key_hex) {
  if (!valid_account(account))
    return problem{errc::bad_request,
                   "\"" + account + "\" is not a valid account id.",
                   {{"account", "must be an account id"}}};
  auto key = from_hex(public_key_hex);
  if (!key || key->size() != 32)
    return problem{errc::bad_request,
                   "A public key is 64 hex digits (ed25519).",
                   {{"public_key", "must be 64 hex digits"}}};
  return keys_->add(account, *key);
}

void signature_gate::unregister_key(const std::string& account,
                                    const std::string& raw_key) {
  keys_->remove(account, raw_key);
}

outcome<std::string> signature_gate::check_read_token(const std::string& token,
                                                      time_us now) const {
  return intentd::check_read_token(token, *keys_, now, max_token_ttl_s_);
}

read_token_verdict signature_gate::judge_read_token(const std::string& token,
                                                    time_us now) const {
  return intentd::judge_read_token(token, *keys_, now, max_token_ttl_s_);
}

outcome<std::string> signature_gate::check_read_token_with(
    const std::string& token, time_us now, const std::string& account,
    const std::vector<std::string>& held) const {
  account_keys keys;
  return intentd::check_read_token(token, held_keys(keys, account, held), now,
                                   max_token_ttl_s_);
}

void log_security_warnings(const cfg::security& cfg) {
  if (!cfg.require_signatures)
    spdlog::warn("!!! security.require_signatures is false: unsigned intents "
                 "are accepted and anyone can submit or cancel for any "
                 "account. For trying intentd out only; set it to true "
                 "in production. !!!");
  if (cfg.read_access == "open")
    spdlog::warn("!!! security.read_access is open: anyone can list every "
                 "account's intents, read the dead letters and follow any "
                 "account live. For trying intentd out only; set it to "
                 "owner in production. !!!");
  if (cfg.admin_api_keys.empty())
    spdlog::warn("security.admin_api_keys is empty: admin endpoints "
                 "(dead-letter retry and purge, key registration) answer "
                 "only clients on the loopback interface");
}

} // namespace intentd
