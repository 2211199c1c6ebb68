#include "runtime/embed/convert.hpp"

#include <utility>

#include <nlohmann/json.hpp>

#include "runtime/http/router.hpp"
#include "runtime/model/record_json.hpp"
#include "runtime/model/time.hpp"

namespace intentd::embed {

using std::chrono::microseconds;
using std::chrono::system_clock;

system_clock::time_point to_time_point(time_us t) {
  return system_clock::time_point{
      std::chrono::duration_cast<system_clock::duration>(microseconds{t})};
}

time_us to_time_us(system_clock::time_point t) {
  return std::chrono::duration_cast<microseconds>(t.time_since_epoch()).count();
}

error to_error(const problem& p) {
  error e;
  e.code = to_string(p.code);
  e.message = p.message;
  e.fields.reserve(p.details.size());
  for (const auto& d : p.details)
    e.fields.push_back({d.field, d.problem});
  e.http_status = static_cast<int>(http_status(p.code));
  return e;
}

error stopped_error() {
  return error{"engine_stopped", "The engine has been stopped.", {}, 503};
}

record to_public(const intent_record& rec, const token_registry& tokens) {
  return to_public(rec, render_record(rec, tokens), tokens);
}

record to_public(const intent_record& rec, std::string json,
                 const token_registry& tokens) {
  const auto& in = rec.request;
  record r;
  r.id = in.id;
  r.user_account = in.user_account;
  r.action = to_string(in.action);
  r.input_token = in.input_token;
  r.input_amount = amount_text(in.input_amount, in.input_token, tokens);
  if (in.action == action_kind::swap) {
    r.output_token = in.output_token;
    r.min_output_amount =
        amount_text(in.min_output_amount, in.output_token, tokens);
  }
  r.recipient = in.recipient;
  r.expires_at = to_time_point(in.expires_at);
  r.status = to_string(rec.status);
  r.status_message = rec.status_message;
  r.created_at = to_time_point(rec.created_at);
  r.updated_at = to_time_point(rec.updated_at);
  r.history.reserve(rec.history.size());
  for (const auto& h : rec.history)
    r.history.push_back({to_string(h.status), to_time_point(h.at)});
  r.solver_id = rec.execution.solver_id;
  r.attempts = rec.execution.attempts;
  for (const auto& tx : rec.execution.transactions)
    r.transactions.push_back({tx.hash, tx.chain, tx.status});
  if (rec.execution.output_amount)
    r.output_amount =
        amount_text(*rec.execution.output_amount, in.output_token, tokens);
  if (rec.error) {
    r.error_code = rec.error->code;
    r.error_message = rec.error->message;
  }
  r.seq = rec.seq;
  r.dead_letter = rec.dead_letter;
  r.json = std::move(json);
  return r;
}

solver_info to_public(const solver_view& s) {
  solver_info out;
  out.solver_id = s.solver_id;
  out.attempts = s.attempts;
  out.successes = s.successes;
  out.failures = s.failures;
  out.success_rate = s.success_rate;
  out.mean_execution_ms = s.mean_execution_ms;
  out.healthy = s.healthy;
  out.kind = s.kind;
  out.connected = s.connected;
  if (s.resting_until > 0)
    out.resting_until = to_time_point(s.resting_until);
  out.consecutive_failures = s.consecutive_failures;
  out.asked = s.asked;
  out.answered = s.answered;
  out.valid = s.valid;
  out.won = s.won;
  out.settled = s.settled;
  out.failed = s.failed;
  out.mean_response_ms = s.mean_response_ms;
  out.rejected = s.rejected;
  out.node = s.node;
  return out;
}

notification to_public(const notice& n) {
  notification out;
  switch (n.kind) {
  case notice_kind::update:
    out.kind = "update";
    break;
  case notice_kind::subscribed:
    out.kind = "subscribed";
    break;
  case notice_kind::unsubscribed:
    out.kind = "unsubscribed";
    break;
  case notice_kind::error:
    out.kind = "error";
    break;
  }
  if (n.update) {
    out.intent_id = n.update->intent_id;
    out.status = to_string(n.update->status);
    out.message = n.update->message;
    out.seq = n.update->seq;
    out.at = to_time_point(n.update->timestamp);
  } else {
    out.message = n.message;
  }
  out.target = n.target;
  out.key = n.key;
  out.code = n.code;
  if (n.frame)
    out.json = *n.frame;
  return out;
}

std::string submission_body(const intent_request& in) {
  nlohmann::json body = nlohmann::json::object();
  auto put = [&body](const char* key, const std::string& value) {
    if (!value.empty())
      body[key] = value;
  };
  put("id", in.id);
  put("user_account", in.user_account);
  put("action", in.action);
  put("input_token", in.input_token);
  put("input_amount", in.input_amount);
  put("output_token", in.output_token);
  put("min_output_amount", in.min_output_amount);
  put("max_slippage", in.max_slippage);
  put("recipient", in.recipient);
  if (in.expires_at)
    body["expires_at"] = format_rfc3339(to_time_us(*in.expires_at));
  if (in.nonce)
    body["nonce"] = *in.nonce;
  put("public_key", in.public_key);
  put("signature", in.signature);
  return dump_json(body);
}

chain::intent to_public(const intent& in, const token_registry& tokens) {
  chain::intent out;
  out.id = in.id;
  out.user_account = in.user_account;
  out.action = to_string(in.action);
  out.input_token = in.input_token;
  out.input_amount = amount_text(in.input_amount, in.input_token, tokens);
  if (in.action == action_kind::swap) {
    out.output_token = in.output_token;
    out.min_output_amount =
        amount_text(in.min_output_amount, in.output_token, tokens);
    out.max_slippage_bps = in.max_slippage_bps;
  }
  out.recipient = in.recipient;
  out.expires_at = to_time_point(in.expires_at);
  out.nonce = in.nonce;
  return out;
}

namespace {

/// Each public fault beside the engine's.
constexpr std::pair<chain::fault, chain_fault> faults[] = {
    {chain::fault::none, chain_fault::none},
    {chain::fault::network_error, chain_fault::network_error},
    {chain::fault::timeout, chain_fault::timeout},
    {chain::fault::nonce_too_low, chain_fault::nonce_too_low},
    {chain::fault::reverted, chain_fault::reverted},
    {chain::fault::slippage, chain_fault::slippage},
    {chain::fault::insufficient_funds, chain_fault::insufficient_funds},
    {chain::fault::unknown_token, chain_fault::unknown_token},
    {chain::fault::already_executed, chain_fault::already_executed},
    {chain::fault::not_verified, chain_fault::not_verified},
    {chain::fault::expired, chain_fault::expired},
    {chain::fault::storage_unavailable, chain_fault::storage_unavailable},
};

} // namespace

chain_fault to_internal(chain::fault f) {
  for (const auto& [pub, own] : faults)
    if (pub == f)
      return own;
  return chain_fault::network_error; // not a fault: retried like one
}

chain::fault to_public(chain_fault f) {
  for (const auto& [pub, own] : faults)
    if (own == f)
      return pub;
  return chain::fault::network_error;
}

} // namespace intentd::embed

namespace intentd::chain {

const char* to_string(fault f) {
  return intentd::to_string(embed::to_internal(f));
}

} // namespace intentd::chain
