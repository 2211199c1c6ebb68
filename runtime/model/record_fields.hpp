#pragma once

// The fields of a record as the HTTP API shows it (DESIGN.md "Record"),
// listed once and fed to a sink: record_text.cpp's sink writes the text of
// a response body, record_json.cpp's builds a nlohmann::json value. Keys
// come in the order nlohmann::json's objects keep them (sorted bytewise),
// so the text is the bytes of dumping the value; tests/model/
// test_record_text.cpp holds the two sinks to it.
//
// A sink has: open_object(), close_object(), open_array(), close_array(),
// key(std::string_view), string(std::string_view), number(uint64_t),
// boolean(bool), null().

#include <string_view>

#include "runtime/model/intent.hpp"
#include "runtime/model/record_json.hpp"
#include "runtime/model/status_message.hpp"
#include "runtime/model/time.hpp"
#include "runtime/model/tokens.hpp"

namespace intentd::record_fields {

/// [{chain, hash, status}] of an execution's transactions.
template<class Sink>
void transactions(Sink& s, const execution_info& ex) {
  s.open_array();
  for (const auto& tx : ex.transactions) {
    s.open_object();
    s.key("chain");
    s.string(tx.chain);
    s.key("hash");
    s.string(tx.hash);
    s.key("status");
    s.string(tx.status);
    s.close_object();
  }
  s.close_array();
}

template<class Sink>
void execution(Sink& s, const intent_record& rec,
               const token_registry& tokens) {
  const auto& ex = rec.execution;
  s.open_object();
  s.key("attempts");
  s.number(ex.attempts);
  s.key("gas_used");
  s.number(ex.gas_used);
  s.key("output_amount");
  if (ex.output_amount)
    s.string(amount_text(*ex.output_amount, rec.request.output_token, tokens));
  else
    s.null();
  s.key("quotes");
  s.number(ex.quotes);
  s.key("solver_id");
  if (ex.solver_id.empty())
    s.null();
  else
    s.string(ex.solver_id);
  s.key("total_cost");
  s.string(amount_text(ex.total_cost, rec.request.input_token, tokens));
  s.key("transactions");
  transactions(s, ex);
  s.close_object();
}

/// The whole record: amounts as decimal strings of their token, times as
/// RFC 3339, enums as their names; swap fields only for a swap, empty
/// recipient, signature, public key and node left out.
template<class Sink>
void record(Sink& s, const intent_record& rec, const token_registry& tokens) {
  const intent& in = rec.request;
  bool swap = in.action == action_kind::swap;
  s.open_object();
  s.key("action");
  s.string(to_string(in.action));
  s.key("created_at");
  s.string(format_rfc3339(rec.created_at));
  s.key("dead_letter");
  s.boolean(rec.dead_letter);
  s.key("error");
  if (rec.error) {
    s.open_object();
    s.key("code");
    s.string(rec.error->code);
    s.key("message");
    s.string(rec.error->message);
    s.close_object();
  } else {
    s.null();
  }
  s.key("execution");
  execution(s, rec, tokens);
  s.key("expires_at");
  s.string(format_rfc3339(in.expires_at));
  s.key("history");
  s.open_array();
  for (const auto& h : rec.history) {
    s.open_object();
    s.key("at");
    s.string(format_rfc3339(h.at));
    s.key("status");
    s.string(to_string(h.status));
    s.close_object();
  }
  s.close_array();
  s.key("id");
  s.string(in.id);
  s.key("input_amount");
  s.string(amount_text(in.input_amount, in.input_token, tokens));
  s.key("input_token");
  s.string(in.input_token);
  if (swap) {
    s.key("max_slippage");
    s.string(format_amount(in.max_slippage_bps, 2));
    s.key("min_output_amount");
    s.string(amount_text(in.min_output_amount, in.output_token, tokens));
  }
  if (!rec.node.empty()) {
    s.key("node");
    s.string(rec.node);
  }
  s.key("nonce");
  s.number(in.nonce);
  if (swap) {
    s.key("output_token");
    s.string(in.output_token);
  }
  if (!in.public_key.empty()) {
    s.key("public_key");
    s.string(in.public_key);
  }
  if (!in.recipient.empty()) {
    s.key("recipient");
    s.string(in.recipient);
  }
  s.key("seq");
  s.number(rec.seq);
  if (!in.signature.empty()) {
    s.key("signature");
    s.string(in.signature);
  }
  s.key("status");
  s.string(to_string(rec.status));
  s.key("status_message");
  if (rec.status_message.empty())
    s.string(status_message(rec.status, in.action,
                            rec.error ? &*rec.error : nullptr));
  else
    s.string(rec.status_message);
  s.key("updated_at");
  s.string(format_rfc3339(rec.updated_at));
  s.key("user_account");
  s.string(in.user_account);
  s.close_object();
}

} // namespace intentd::record_fields
