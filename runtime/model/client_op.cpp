#include "runtime/model/client_op.hpp"

#include <nlohmann/json.hpp>

namespace intentd {

const char* to_string(subscription_target target) {
  return target == subscription_target::user ? "user" : "intent";
}

std::variant<client_op, client_op_error>
parse_client_op(std::string_view text) {
  using nlohmann::json;
  auto doc = json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded())
    return client_op_error{"invalid_json", "The message is not valid JSON."};
  if (!doc.is_object())
    return client_op_error{"invalid_message",
                           "The message must be a JSON object with an op."};
  auto op = doc.find("op");
  if (op == doc.end() || !op->is_string())
    return client_op_error{"missing_field",
                           "The message needs an \"op\" string."};
  auto name = op->get<std::string>();
  client_op out;
  if (name == "subscribe-intent" || name == "unsubscribe-intent") {
    out.target = subscription_target::intent;
  } else if (name == "subscribe-user" || name == "unsubscribe-user") {
    out.target = subscription_target::user;
  } else {
    return client_op_error{"unknown_op",
                           "Unknown op \"" + name +
                               "\"; use subscribe-intent, unsubscribe-intent, "
                               "subscribe-user or unsubscribe-user."};
  }
  out.subscribe = name.rfind("subscribe", 0) == 0;
  const char* field =
      out.target == subscription_target::intent ? "intent_id" : "user_account";
  auto key = doc.find(field);
  if (key == doc.end() || !key->is_string() ||
      key->get_ref<const std::string&>().empty())
    return client_op_error{"missing_field", "The op " + name + " needs \"" +
                                                field +
                                                "\" as a non-empty string."};
  out.key = key->get<std::string>();
  if (out.key.size() > 128)
    return client_op_error{"invalid_field", std::string{"\""} + field +
                                                "\" is longer than 128 "
                                                "characters."};
  if (auto token = doc.find("token"); token != doc.end() &&
                                      out.target == subscription_target::user &&
                                      out.subscribe) {
    if (!token->is_string() ||
        token->get_ref<const std::string&>().size() > 1024)
      return client_op_error{"invalid_field",
                             "\"token\" must be a read token string."};
    out.token = token->get<std::string>();
  }
  return out;
}

} // namespace intentd
