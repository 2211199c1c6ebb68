#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/model/intent.hpp"
#include "runtime/model/tokens.hpp"

namespace intentd {

/// One transition of one intent, as subscribers see it.
struct intent_update {
  std::string intent_id;
  std::string user_account;
  intent_status status = intent_status::pending;
  /// A sentence for a person (see status_message).
  std::string message;
  /// {"action", "user_account"}, plus "error" and "execution" on the
  /// update that carries the stored snapshot.
  nlohmann::json details;
  uint64_t seq = 0;
  /// When the transition happened (its history entry).
  time_us timestamp = 0;
};

/// The transitions a durable write covers, oldest first: one per seq in
/// (previous_seq, stored.seq], taken from the tail of `history`. Only the
/// last carries the snapshot's error and execution.
std::vector<intent_update> updates_between(const intent_record& stored,
                                           uint64_t previous_seq,
                                           const token_registry& tokens);

/// The current state of a stored intent as one update.
intent_update current_update(const intent_record& rec,
                             const token_registry& tokens);

/// What a subscriber is sent.
enum class notice_kind : uint8_t { update, subscribed, unsubscribed, error };

/// One message for a subscriber; `frame` is its JSON text, made once and
/// shared by every subscriber that receives it.
struct notice {
  notice_kind kind = notice_kind::update;
  std::shared_ptr<const intent_update> update; // kind == update
  std::string target;                          // "intent" or "user"
  std::string key;                             // the intent id or account
  std::string code;                            // kind == error
  std::string message;                         // kind == error
  std::shared_ptr<const std::string> frame;
};

/// {"event":"intent-update","intent_id","status","message","details","seq",
/// "timestamp"}.
std::string update_frame(const intent_update& u);

/// A notice with its frame filled in.
notice make_update_notice(std::shared_ptr<const intent_update> u);
notice make_subscribed_notice(std::string target, std::string key,
                              bool subscribed = true);
/// {"event":"error","code","message"} plus "target"/"key" when given.
notice make_error_notice(std::string code, std::string message,
                         std::string target = {}, std::string key = {});

} // namespace intentd
