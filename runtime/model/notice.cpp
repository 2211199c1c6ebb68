#include "runtime/model/notice.hpp"

#include "runtime/model/record_json.hpp"
#include "runtime/model/status_message.hpp"
#include "runtime/model/time.hpp"

namespace intentd {

namespace {

using nlohmann::json;

json base_details(const intent_record& rec) {
  return {{"action", to_string(rec.request.action)},
          {"user_account", rec.request.user_account}};
}

/// The details of the update that carries the snapshot itself.
json snapshot_details(const intent_record& rec, const token_registry& tokens) {
  auto out = base_details(rec);
  const auto& ex = rec.execution;
  if (!ex.solver_id.empty() || !ex.transactions.empty()) {
    json e = {{"solver_id", ex.solver_id},
              {"attempts", ex.attempts},
              {"transactions", transactions_json(ex)}};
    if (ex.output_amount)
      e["output_amount"] =
          amount_text(*ex.output_amount, rec.request.output_token, tokens);
    out["execution"] = std::move(e);
  }
  if (rec.error)
    out["error"] = {{"code", rec.error->code}, {"message", rec.error->message}};
  if (rec.dead_letter)
    out["dead_letter"] = true;
  return out;
}

std::string stored_message(const intent_record& rec) {
  if (!rec.status_message.empty())
    return rec.status_message;
  return status_message(rec.status, rec.request.action,
                        rec.error ? &*rec.error : nullptr);
}

} // namespace

std::vector<intent_update> updates_between(const intent_record& stored,
                                           uint64_t previous_seq,
                                           const token_registry& tokens) {
  std::vector<intent_update> out;
  if (stored.seq <= previous_seq)
    return out;
  auto covered =
      std::min<uint64_t>(stored.seq - previous_seq, stored.history.size());
  if (covered == 0) // no history: the snapshot alone
    return {current_update(stored, tokens)};
  auto first = stored.history.size() - covered;
  for (auto i = first; i < stored.history.size(); ++i) {
    const auto& h = stored.history[i];
    intent_update u;
    u.intent_id = stored.request.id;
    u.user_account = stored.request.user_account;
    u.status = h.status;
    u.seq = stored.seq - (stored.history.size() - 1 - i);
    u.timestamp = h.at;
    if (i + 1 == stored.history.size()) {
      u.message = stored_message(stored);
      u.details = snapshot_details(stored, tokens);
    } else {
      u.message = status_message(h.status, stored.request.action);
      u.details = base_details(stored);
    }
    out.push_back(std::move(u));
  }
  return out;
}

intent_update current_update(const intent_record& rec,
                             const token_registry& tokens) {
  intent_update u;
  u.intent_id = rec.request.id;
  u.user_account = rec.request.user_account;
  u.status = rec.status;
  u.message = stored_message(rec);
  u.details = snapshot_details(rec, tokens);
  u.seq = rec.seq;
  u.timestamp = rec.history.empty() ? rec.updated_at : rec.history.back().at;
  return u;
}

std::string update_frame(const intent_update& u) {
  json out = {{"event", "intent-update"},
              {"intent_id", u.intent_id},
              {"status", to_string(u.status)},
              {"message", u.message},
              {"details", u.details.is_null() ? json::object() : u.details},
              {"seq", u.seq},
              {"timestamp", format_rfc3339(u.timestamp)}};
  return out.dump();
}

notice make_update_notice(std::shared_ptr<const intent_update> u) {
  notice n;
  n.kind = notice_kind::update;
  n.frame = std::make_shared<const std::string>(update_frame(*u));
  n.target = "intent";
  n.key = u->intent_id;
  n.update = std::move(u);
  return n;
}

notice make_subscribed_notice(std::string target, std::string key,
                              bool subscribed) {
  notice n;
  n.kind = subscribed ? notice_kind::subscribed : notice_kind::unsubscribed;
  json out = {{"event", subscribed ? "subscribed" : "unsubscribed"},
              {"target", target},
              {target == "user" ? "user_account" : "intent_id", key}};
  n.frame = std::make_shared<const std::string>(out.dump());
  n.target = std::move(target);
  n.key = std::move(key);
  return n;
}

notice make_error_notice(std::string code, std::string message,
                         std::string target, std::string key) {
  notice n;
  n.kind = notice_kind::error;
  json out = {{"event", "error"}, {"code", code}, {"message", message}};
  if (!target.empty()) {
    out["target"] = target;
    out[target == "user" ? "user_account" : "intent_id"] = key;
  }
  n.frame = std::make_shared<const std::string>(out.dump());
  n.code = std::move(code);
  n.message = std::move(message);
  n.target = std::move(target);
  n.key = std::move(key);
  return n;
}

} // namespace intentd
