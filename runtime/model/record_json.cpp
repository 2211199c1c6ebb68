#include "runtime/model/record_json.hpp"

#include "runtime/model/status_message.hpp"
#include "runtime/model/time.hpp"

namespace intentd {

using nlohmann::json;

std::string amount_text(units value, const std::string& token,
                        const token_registry& tokens) {
  if (const token_spec* spec = tokens.find(token))
    return format_amount(value, spec->decimals);
  return to_string(value);
}

json transactions_json(const execution_info& ex) {
  json txs = json::array();
  for (const auto& tx : ex.transactions)
    txs.push_back(
        {{"hash", tx.hash}, {"chain", tx.chain}, {"status", tx.status}});
  return txs;
}

namespace {

json execution_json(const intent_record& rec, const token_registry& tokens) {
  const auto& ex = rec.execution;
  json out = {
      {"solver_id", ex.solver_id.empty() ? json(nullptr) : json(ex.solver_id)},
      {"attempts", ex.attempts},
      {"transactions", transactions_json(ex)},
      {"gas_used", ex.gas_used},
      {"total_cost",
       amount_text(ex.total_cost, rec.request.input_token, tokens)},
      {"output_amount", nullptr},
  };
  if (ex.output_amount)
    out["output_amount"] =
        amount_text(*ex.output_amount, rec.request.output_token, tokens);
  return out;
}

} // namespace

json to_json(const intent_record& rec, const token_registry& tokens) {
  const intent& in = rec.request;
  json out = json::object();
  out["id"] = in.id;
  out["user_account"] = in.user_account;
  out["action"] = to_string(in.action);
  out["input_token"] = in.input_token;
  out["input_amount"] = amount_text(in.input_amount, in.input_token, tokens);
  if (in.action == action_kind::swap) {
    out["output_token"] = in.output_token;
    out["min_output_amount"] =
        amount_text(in.min_output_amount, in.output_token, tokens);
    out["max_slippage"] = format_amount(in.max_slippage_bps, 2);
  }
  if (!in.recipient.empty())
    out["recipient"] = in.recipient;
  out["expires_at"] = format_rfc3339(in.expires_at);
  out["nonce"] = in.nonce;
  if (!in.signature.empty())
    out["signature"] = in.signature;
  if (!in.public_key.empty())
    out["public_key"] = in.public_key;
  out["status"] = to_string(rec.status);
  out["status_message"] =
      rec.status_message.empty()
          ? status_message(rec.status, in.action,
                           rec.error ? &*rec.error : nullptr)
          : rec.status_message;
  out["created_at"] = format_rfc3339(rec.created_at);
  out["updated_at"] = format_rfc3339(rec.updated_at);
  out["seq"] = rec.seq;
  json history = json::array();
  for (const auto& h : rec.history)
    history.push_back(
        {{"status", to_string(h.status)}, {"at", format_rfc3339(h.at)}});
  out["history"] = std::move(history);
  out["execution"] = execution_json(rec, tokens);
  if (rec.error)
    out["error"] = {{"code", rec.error->code}, {"message", rec.error->message}};
  else
    out["error"] = nullptr;
  out["dead_letter"] = rec.dead_letter;
  return out;
}

std::string dump_json(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json to_json(const problem& p) {
  json details = json::array();
  for (const auto& d : p.details)
    details.push_back({{"field", d.field}, {"problem", d.problem}});
  return {{"error",
           {{"code", to_string(p.code)},
            {"message", p.message},
            {"details", std::move(details)}}}};
}

} // namespace intentd
