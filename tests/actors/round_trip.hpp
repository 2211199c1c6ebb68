#pragma once

// Round trips of messages through CAF's binary serializer, as BASP carries
// them between nodes, and field-by-field comparisons of what came back.
// Shared by the engine's message tests and the cluster's. The comparisons
// live in namespace intentd, so that argument-dependent lookup finds those
// a test file adds after this header.

#include <doctest/doctest.h>

#include <memory>
#include <tuple>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/message.hpp>

#include "actors/messages.hpp"
#include "actors/notifier.hpp"
#include "actors/rate_limiter.hpp"
#include "actors/record_reader.hpp"

namespace intentd {

// Field by field, so that a field an inspect overload leaves out shows up
// as a difference after the round trip.

inline bool same(const intent& a, const intent& b) {
  return std::tie(a.id, a.user_account, a.action, a.input_token, a.input_amount,
                  a.output_token, a.min_output_amount, a.max_slippage_bps,
                  a.recipient, a.expires_at, a.nonce, a.signature,
                  a.public_key) ==
         std::tie(b.id, b.user_account, b.action, b.input_token, b.input_amount,
                  b.output_token, b.min_output_amount, b.max_slippage_bps,
                  b.recipient, b.expires_at, b.nonce, b.signature,
                  b.public_key);
}

inline bool same(const intent_record& a, const intent_record& b) {
  if (!same(a.request, b.request) || a.history.size() != b.history.size() ||
      a.execution.transactions.size() != b.execution.transactions.size() ||
      a.error.has_value() != b.error.has_value())
    return false;
  for (size_t i = 0; i < a.history.size(); ++i)
    if (a.history[i].status != b.history[i].status ||
        a.history[i].at != b.history[i].at)
      return false;
  for (size_t i = 0; i < a.execution.transactions.size(); ++i) {
    auto& x = a.execution.transactions[i];
    auto& y = b.execution.transactions[i];
    if (std::tie(x.hash, x.chain, x.status) !=
        std::tie(y.hash, y.chain, y.status))
      return false;
  }
  if (a.error && std::tie(a.error->code, a.error->message) !=
                     std::tie(b.error->code, b.error->message))
    return false;
  auto& e = a.execution;
  auto& f = b.execution;
  return std::tie(a.status, a.status_message, a.created_at, a.updated_at,
                  e.solver_id, e.attempts, e.gas_used, e.total_cost,
                  e.output_amount, e.quotes, e.quote, a.seq, a.body_digest,
                  a.dead_letter, a.node) ==
         std::tie(b.status, b.status_message, b.created_at, b.updated_at,
                  f.solver_id, f.attempts, f.gas_used, f.total_cost,
                  f.output_amount, f.quotes, f.quote, b.seq, b.body_digest,
                  b.dead_letter, b.node);
}

inline bool same(const std::vector<intent_record>& a,
                 const std::vector<intent_record>& b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!same(a[i], b[i]))
      return false;
  return true;
}

inline bool same(const problem& a, const problem& b) {
  return a.code == b.code && a.message == b.message && a.details == b.details;
}

inline bool same(const done&, const done&) {
  return true;
}

inline bool same(const submit_reply& a, const submit_reply& b) {
  return same(a.record, b.record) && a.created == b.created;
}

inline bool same(const nonce_owner& a, const nonce_owner& b) {
  return a.intent_id == b.intent_id;
}

inline bool same(const live_page& a, const live_page& b) {
  return same(a.records, b.records) && a.next == b.next && a.more == b.more;
}

template<class T>
inline bool same(const outcome<T>& a, const outcome<T>& b) {
  if (static_cast<bool>(a) != static_cast<bool>(b))
    return false;
  return a ? same(a.value(), b.value()) : same(a.error(), b.error());
}

inline bool same(const verify_result& a, const verify_result& b) {
  return a.fault == b.fault;
}

inline bool same(const execute_result& a, const execute_result& b) {
  return std::tie(a.fault, a.tx_hash, a.gas_used, a.total_cost,
                  a.output_amount) == std::tie(b.fault, b.tx_hash, b.gas_used,
                                               b.total_cost, b.output_amount);
}

inline bool same(chain_intent_state a, chain_intent_state b) {
  return a == b;
}

inline bool same(const chain_tx& a, const chain_tx& b) {
  return std::tie(a.hash, a.intent_id, a.status, a.block) ==
         std::tie(b.hash, b.intent_id, b.status, b.block);
}

inline bool same(const chain_execution& a, const chain_execution& b) {
  return std::tie(a.tx_hash, a.gas_used, a.total_cost, a.credited,
                  a.solver_account) == std::tie(b.tx_hash, b.gas_used,
                                                b.total_cost, b.credited,
                                                b.solver_account);
}

inline bool same(const settlement& a, const settlement& b) {
  return std::tie(a.solver_id, a.solver_account, a.output_amount, a.fee) ==
         std::tie(b.solver_id, b.solver_account, b.output_amount, b.fee);
}

template<class T>
inline bool same(const std::optional<T>& a, const std::optional<T>& b) {
  if (a.has_value() != b.has_value())
    return false;
  return !a || same(*a, *b);
}

inline bool same(const solver_stats& a, const solver_stats& b) {
  return std::tie(a.solver_id, a.attempts, a.successes, a.failures,
                  a.total_execution_us) == std::tie(b.solver_id, b.attempts,
                                                    b.successes, b.failures,
                                                    b.total_execution_us);
}

inline bool same(const solver_report& a, const solver_report& b) {
  return same(a.stats, b.stats) && a.healthy == b.healthy;
}

inline bool same(const intent_update& a, const intent_update& b) {
  return std::tie(a.intent_id, a.user_account, a.status, a.message, a.details,
                  a.seq, a.timestamp) ==
         std::tie(b.intent_id, b.user_account, b.status, b.message, b.details,
                  b.seq, b.timestamp);
}

template<class T>
inline bool same(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!same(a[i], b[i]))
      return false;
  return true;
}

inline bool same(const notice& a, const notice& b) {
  if ((a.update == nullptr) != (b.update == nullptr) ||
      (a.frame == nullptr) != (b.frame == nullptr))
    return false;
  if (a.update && !same(*a.update, *b.update))
    return false;
  if (a.frame && *a.frame != *b.frame)
    return false;
  return std::tie(a.kind, a.target, a.key, a.code, a.message) ==
         std::tie(b.kind, b.target, b.key, b.code, b.message);
}

inline bool same(const notifier_stats& a, const notifier_stats& b) {
  return std::tie(a.subscribers, a.subscriptions, a.dropped_slow,
                  a.delivered) ==
         std::tie(b.subscribers, b.subscriptions, b.dropped_slow, b.delivered);
}

inline bool same(subscription_target a, subscription_target b) {
  return a == b;
}

inline bool same(const rate_limited_counts& a, const rate_limited_counts& b) {
  return a == b;
}

/// Above 2^64, so that both halves of a 128-bit amount matter.
constexpr units big = (static_cast<units>(0x1234'5678) << 64) | 0x9abc'def0;

inline intent full_intent() {
  intent in;
  in.id = "intent-1";
  in.user_account = "0xalice";
  in.action = action_kind::transfer;
  in.input_token = "USDC";
  in.input_amount = big;
  in.output_token = "ETH";
  in.min_output_amount = big + 7;
  in.max_slippage_bps = 125;
  in.recipient = "0xbob";
  in.expires_at = 1'800'000'000'000'000;
  in.nonce = 42;
  in.signature = "ab01";
  in.public_key = "cd02";
  return in;
}

/// Every field away from its default.
inline intent_record full_record() {
  intent_record r;
  r.request = full_intent();
  r.status = intent_status::failed;
  r.status_message = "failed: reverted";
  r.created_at = 11;
  r.updated_at = 22;
  r.history = {{intent_status::pending, 11}, {intent_status::failed, 22}};
  r.execution.solver_id = "solver-2";
  r.execution.attempts = 3;
  r.execution.transactions = {{"0xtx1", "sim", "reverted"},
                              {"0xtx2", "sim", "failed"}};
  r.execution.gas_used = 21'000;
  r.execution.total_cost = big + 1;
  r.execution.output_amount = big + 2;
  r.execution.quotes = 4;
  r.execution.quote =
      winning_quote{"req-7", "acme", "acme.near", big + 5, big + 6, 33, "sig"};
  r.error = intent_error{"reverted", "the chain reverted it"};
  r.seq = 5;
  r.body_digest = "digest";
  r.dead_letter = true;
  r.node = "n2";
  return r;
}

inline problem full_problem() {
  return problem{errc::conflict, "id reused", {{"amount", "differs"}}};
}

inline intent_update full_update() {
  intent_update u;
  u.intent_id = "intent-1";
  u.user_account = "0xalice";
  u.status = intent_status::executing;
  u.message = "a solver runs it";
  u.details = {{"action", "swap"}, {"user_account", "0xalice"}};
  u.seq = 3;
  u.timestamp = 33;
  return u;
}

/// An actor system with the message types `add_types` registers.
template<void (*AddTypes)(caf::actor_system_config&)>
struct basic_serializer_fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;

  basic_serializer_fixture() {
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.verbosity", caf::atom("quiet"));
    AddTypes(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
  }

  /// `x` in a message through the binary serializer and back, as BASP
  /// carries it to another node: this needs its inspect overload and its
  /// registered name.
  template<class T>
  void round_trip(const T& x) {
    std::vector<char> buf;
    caf::binary_serializer sink{*sys, buf};
    auto msg = caf::make_message(x);
    REQUIRE_FALSE(sink(msg));
    caf::binary_deserializer source{*sys, buf};
    caf::message copy;
    REQUIRE_FALSE(source(copy));
    CHECK(source.remaining() == 0);
    REQUIRE(copy.size() == 1);
    REQUIRE(copy.match_element<T>(0));
    CHECK(same(copy.get_as<T>(0), x));
  }
};

} // namespace intentd
