#include "runtime/model/record_json.hpp"

#include <string_view>
#include <vector>

#include "runtime/model/record_fields.hpp"

namespace intentd {

using nlohmann::json;

std::string amount_text(units value, const std::string& token,
                        const token_registry& tokens) {
  if (const token_spec* spec = tokens.find(token))
    return format_amount(value, spec->decimals);
  return to_string(value);
}

namespace {

/// A record_fields sink that builds a nlohmann::json value.
class tree_builder {
public:
  void open_object() { open(json::object()); }
  void close_object() { open_.pop_back(); }
  void open_array() { open(json::array()); }
  void close_array() { open_.pop_back(); }
  void key(std::string_view k) { key_.assign(k.data(), k.size()); }
  void string(std::string_view s) { put(json(s)); }
  void number(uint64_t n) { put(json(n)); }
  void boolean(bool b) { put(json(b)); }
  void null() { put(json(nullptr)); }

  json result;

private:
  void open(json v) { open_.push_back(&put(std::move(v))); }

  // The new value at the top level, under the last key of the innermost
  // open object, or at the end of the innermost open array. The pointers
  // held stay valid: a container is not written to while a later sibling
  // is open.
  json& put(json v) {
    if (open_.empty())
      return result = std::move(v);
    json& top = *open_.back();
    if (top.is_object())
      return top[key_] = std::move(v);
    top.push_back(std::move(v));
    return top.back();
  }

  std::vector<json*> open_;
  std::string key_;
};

} // namespace

json transactions_json(const execution_info& ex) {
  tree_builder b;
  record_fields::transactions(b, ex);
  return std::move(b.result);
}

json to_json(const intent_record& rec, const token_registry& tokens) {
  tree_builder b;
  record_fields::record(b, rec, tokens);
  return std::move(b.result);
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
