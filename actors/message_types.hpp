#pragma once

// How the messages that may cross a node serialize: an inspect overload per
// type and one block of type ids. Kept out of runtime/model, which includes
// no CAF header; register them all with add_message_types().

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/none.hpp>
#include <caf/sec.hpp>
#include <caf/type_id.hpp>

#include "actors/message_data.hpp"
#include "runtime/model/chain_adapter.hpp"
#include "runtime/model/chain_call.hpp"
#include "runtime/model/client_op.hpp"
#include "runtime/model/notice.hpp"

namespace intentd {

/// A 128-bit amount as two 64-bit halves (CAF has no 128-bit integers).
struct units_field {
  units& value;
};

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, units_field& x) {
  auto hi = static_cast<uint64_t>(x.value >> 64);
  auto lo = static_cast<uint64_t>(x.value);
  return f(caf::meta::type_name("units"), hi, lo,
           caf::meta::load_callback([&]() -> caf::error {
             x.value = (static_cast<units>(hi) << 64) | lo;
             return caf::none;
           }));
}

/// An optional amount: a presence flag, then the amount when present.
struct optional_units_field {
  std::optional<units>& value;
};

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, optional_units_field& x) {
  bool present = x.value.has_value();
  units value = x.value.value_or(0);
  return f(caf::meta::type_name("optional"), present, units_field{value},
           caf::meta::load_callback([&]() -> caf::error {
             x.value = present ? std::optional<units>{value} : std::nullopt;
             return caf::none;
           }));
}

/// std::optional of an intentd type: a presence flag, then the value.
template<class Inspector, class T>
typename Inspector::result_type inspect(Inspector& f, std::optional<T>& x) {
  bool present = x.has_value();
  T value = present ? *x : T{};
  return f(caf::meta::type_name("optional"), present, value,
           caf::meta::load_callback([&]() -> caf::error {
             if (present)
               x = std::move(value);
             else
               x.reset();
             return caf::none;
           }));
}

// -- domain types (runtime/model) --------------------------------------------

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, intent& x) {
  return f(caf::meta::type_name("intent"), x.id, x.user_account, x.action,
           x.input_token, units_field{x.input_amount}, x.output_token,
           units_field{x.min_output_amount}, x.max_slippage_bps, x.recipient,
           x.expires_at, x.nonce, x.signature, x.public_key);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, history_entry& x) {
  return f(caf::meta::type_name("history_entry"), x.status, x.at);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, transaction_info& x) {
  return f(caf::meta::type_name("transaction_info"), x.hash, x.chain, x.status);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, winning_quote& x) {
  return f(caf::meta::type_name("winning_quote"), x.request_id, x.solver_id,
           x.solver_account, units_field{x.output_amount}, units_field{x.fee},
           x.valid_until, x.signature);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, execution_info& x) {
  return f(caf::meta::type_name("execution_info"), x.solver_id, x.attempts,
           x.transactions, x.gas_used, units_field{x.total_cost},
           optional_units_field{x.output_amount}, x.quotes, x.quote);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, intent_error& x) {
  return f(caf::meta::type_name("intent_error"), x.code, x.message);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, intent_record& x) {
  return f(caf::meta::type_name("intent_record"), x.request, x.status,
           x.status_message, x.created_at, x.updated_at, x.history, x.execution,
           x.error, x.seq, x.body_digest, x.dead_letter, x.node);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, field_problem& x) {
  return f(caf::meta::type_name("field_problem"), x.field, x.problem);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, problem& x) {
  return f(caf::meta::type_name("problem"), x.code, x.message, x.details);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, done&) {
  return f(caf::meta::type_name("done"));
}

/// A flag, then the value or the problem.
template<class Inspector, class T>
typename Inspector::result_type inspect(Inspector& f, outcome<T>& x) {
  bool ok = static_cast<bool>(x);
  T value = ok ? x.value() : T{};
  problem err = ok ? problem{} : x.error();
  return f(caf::meta::type_name("outcome"), ok, value, err,
           caf::meta::load_callback([&]() -> caf::error {
             if (ok)
               x = outcome<T>{std::move(value)};
             else
               x = outcome<T>{std::move(err)};
             return caf::none;
           }));
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, live_page& x) {
  return f(caf::meta::type_name("live_page"), x.records, x.next, x.more);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, solver_stats& x) {
  return f(caf::meta::type_name("solver_stats"), x.solver_id, x.attempts,
           x.successes, x.failures, x.total_execution_us);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, verify_result& x) {
  return f(caf::meta::type_name("verify_result"), x.fault);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, execute_result& x) {
  return f(caf::meta::type_name("execute_result"), x.fault, x.tx_hash,
           x.gas_used, units_field{x.total_cost},
           optional_units_field{x.output_amount});
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, chain_tx& x) {
  return f(caf::meta::type_name("chain_tx"), x.hash, x.intent_id, x.status,
           x.block);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, chain_execution& x) {
  return f(caf::meta::type_name("chain_execution"), x.tx_hash, x.gas_used,
           units_field{x.total_cost}, units_field{x.credited},
           x.solver_account);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, settlement& x) {
  return f(caf::meta::type_name("settlement"), x.solver_id, x.solver_account,
           units_field{x.output_amount}, units_field{x.fee});
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, chain_call& x) {
  return f(caf::meta::type_name("chain_call"), x.kind, x.request, x.solver,
           x.key, x.terms);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, chain_reply& x) {
  return f(caf::meta::type_name("chain_reply"), x.verified, x.executed, x.state,
           x.tx, x.execution, x.record);
}

/// The details travel as JSON text.
template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, intent_update& x) {
  std::string details = x.details.is_null() ? std::string{} : x.details.dump();
  return f(caf::meta::type_name("intent_update"), x.intent_id, x.user_account,
           x.status, x.message, details, x.seq, x.timestamp,
           caf::meta::load_callback([&]() -> caf::error {
             if (details.empty()) {
               x.details = nullptr;
               return caf::none;
             }
             auto parsed = nlohmann::json::parse(details, nullptr, false);
             if (parsed.is_discarded())
               return caf::make_error(caf::sec::invalid_argument,
                                      "intent_update details are no JSON");
             x.details = std::move(parsed);
             return caf::none;
           }));
}

/// The shared update and frame travel by value; an absent one as empty.
template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, notice& x) {
  bool has_update = x.update != nullptr;
  intent_update update = has_update ? *x.update : intent_update{};
  bool has_frame = x.frame != nullptr;
  std::string frame = has_frame ? *x.frame : std::string{};
  return f(caf::meta::type_name("notice"), x.kind, has_update, update, x.target,
           x.key, x.code, x.message, has_frame, frame,
           caf::meta::load_callback([&]() -> caf::error {
             x.update =
                 has_update
                     ? std::make_shared<const intent_update>(std::move(update))
                     : nullptr;
             x.frame =
                 has_frame
                     ? std::make_shared<const std::string>(std::move(frame))
                     : nullptr;
             return caf::none;
           }));
}

// -- actors/message_data.hpp -------------------------------------------------

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, submit_reply& x) {
  return f(caf::meta::type_name("submit_reply"), x.record, x.created);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, solver_report& x) {
  return f(caf::meta::type_name("solver_report"), x.stats, x.healthy);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, nonce_owner& x) {
  bool present = x.intent_id.has_value();
  std::string id = present ? *x.intent_id : std::string{};
  return f(caf::meta::type_name("nonce_owner"), present, id,
           caf::meta::load_callback([&]() -> caf::error {
             x.intent_id = present ? std::optional<std::string>{std::move(id)}
                                   : std::nullopt;
             return caf::none;
           }));
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, notifier_stats& x) {
  return f(caf::meta::type_name("notifier_stats"), x.subscribers,
           x.subscriptions, x.dropped_slow, x.delivered);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, solver_quote& x) {
  return f(caf::meta::type_name("solver_quote"), x.request_id, x.intent_id,
           x.output_amount, x.fee, x.valid_until, x.signature);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, auction_quote& x) {
  return f(caf::meta::type_name("auction_quote"), x.solver_id, x.account,
           x.quote, units_field{x.output_amount}, units_field{x.fee},
           x.valid_until, x.arrived_at);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f, auction_result& x) {
  return f(caf::meta::type_name("auction_result"), x.request_id, x.ranked,
           x.asked, x.valid);
}

template<class Inspector>
typename Inspector::result_type inspect(Inspector& f,
                                        external_solver_report& x) {
  return f(caf::meta::type_name("external_solver_report"), x.solver_id,
           x.account, x.kind, x.connected, x.resting, x.resting_until, x.asked,
           x.answered, x.valid, x.won, x.settled, x.failed,
           x.consecutive_failures, x.mean_response_ms, x.mean_settlement_ms,
           x.success_rate, x.rejected);
}

/// Adds every type of the intentd type id block to `cfg`, so that messages
/// holding them serialize (between nodes) and print. Call once per config,
/// before the actor system starts.
void add_message_types(caf::actor_system_config& cfg);

} // namespace intentd

CAF_BEGIN_TYPE_ID_BLOCK(intentd_messages, caf::first_custom_type_id)

CAF_ADD_TYPE_ID(intentd_messages, (intentd::intent))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::intent_record))
CAF_ADD_TYPE_ID(intentd_messages, (std::vector<intentd::intent_record>))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::problem))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::record_outcome))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::records_outcome))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::submit_reply))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::submit_outcome))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::write_outcome))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::verify_result))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::execute_result))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::chain_intent_state))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::chain_tx))
CAF_ADD_TYPE_ID(intentd_messages, (std::optional<intentd::chain_tx>))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::chain_execution))
CAF_ADD_TYPE_ID(intentd_messages, (std::optional<intentd::chain_execution>))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::solver_stats))
CAF_ADD_TYPE_ID(intentd_messages, (std::vector<intentd::solver_stats>))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::solver_report))
CAF_ADD_TYPE_ID(intentd_messages, (std::vector<intentd::solver_report>))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::intent_update))
CAF_ADD_TYPE_ID(intentd_messages, (std::vector<intentd::intent_update>))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::notice))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::notifier_stats))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::subscription_target))
CAF_ADD_TYPE_ID(intentd_messages,
                (std::vector<std::pair<std::string, uint64_t>>))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::nonce_owner))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::nonce_owner_outcome))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::live_page))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::live_page_outcome))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::solver_quote))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::auction_quote))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::auction_result))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::auction_outcome))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::external_solver_report))
CAF_ADD_TYPE_ID(intentd_messages,
                (std::vector<intentd::external_solver_report>))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::settlement))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::chain_call))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::chain_reply))
CAF_ADD_TYPE_ID(intentd_messages, (intentd::chain_outcome))

CAF_END_TYPE_ID_BLOCK(intentd_messages)
