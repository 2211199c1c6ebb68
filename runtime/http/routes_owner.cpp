#include <nlohmann/json.hpp>

#include "runtime/engine/engine.hpp"
#include "runtime/http/admin_auth.hpp"
#include "runtime/http/router.hpp"
#include "runtime/model/json_sax.hpp"
#include "runtime/model/record_json.hpp"
#include "runtime/model/validation.hpp"

namespace intentd {

namespace {

using json = nlohmann::json;

http_reply bad_body(std::string message,
                    std::vector<field_problem> details = {}) {
  return problem_reply(
      problem{errc::bad_request, std::move(message), std::move(details)});
}

/// The string fields `names` of a JSON object body; nullopt (with `error`
/// set) when the body is not such an object.
std::optional<std::map<std::string, std::string>>
read_fields(const http_request& req, std::initializer_list<const char*> names,
            std::optional<http_reply>& error) {
  // Read as submissions are: a repeated key is refused, not resolved.
  json_document doc = read_json(req.body, 4);
  if (doc.syntax_error || !doc.value.is_object()) {
    error = bad_body("The body must be a JSON object.");
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  std::vector<field_problem> bad = doc.duplicates;
  for (const auto& item : doc.value.items()) {
    bool known = false;
    for (const char* name : names)
      known = known || item.key() == name;
    if (!known)
      bad.push_back({item.key(), "unknown field"});
    else if (!item.value().is_string())
      bad.push_back({item.key(), "must be a string"});
    else
      out[item.key()] = item.value().get<std::string>();
  }
  if (!bad.empty()) {
    error = bad_body("The body has invalid fields.", std::move(bad));
    return std::nullopt;
  }
  return out;
}

/// A cancellation body carries both public_key and signature, or neither
/// (`{}` is no body): a key alone proves nothing, and is refused even
/// where signatures are not required.
std::optional<http_reply>
incomplete_auth(const std::map<std::string, std::string>& fields) {
  if (fields.empty())
    return std::nullopt;
  std::vector<field_problem> bad;
  auto need = [&](const char* name, const char* with) {
    auto i = fields.find(name);
    if (i == fields.end() || i->second.empty())
      bad.push_back({name, std::string{"is required with "} + with});
  };
  need("public_key", "a signature");
  need("signature", "a public_key");
  if (bad.empty())
    return std::nullopt;
  return bad_body("A cancellation is signed with both public_key and "
                  "signature, or carries neither.",
                  std::move(bad));
}

} // namespace

std::optional<http_reply>
http_router::deny_admin(const http_request& req) const {
  return check_admin(req, engine_.config().security.admin_api_keys);
}

void http_router::cancel(const http_request& req, const std::string& id,
                         reply_fn done) {
  if (!valid_intent_id(id, limits_.max_id_length))
    return done(problem_reply(
        problem{errc::not_found, "No intent with id '" + id + "'.", {}}));
  std::optional<cancel_auth> auth;
  if (!req.body.empty()) {
    std::optional<http_reply> error;
    auto fields = read_fields(req, {"public_key", "signature"}, error);
    if (!fields)
      return done(std::move(*error));
    if (auto incomplete = incomplete_auth(*fields))
      return done(std::move(*incomplete));
    if (!fields->empty())
      auth = cancel_auth{(*fields)["public_key"], (*fields)["signature"]};
  }
  const auto& tokens = engine_.tokens();
  engine_.cancel(id, std::move(auth),
                 [done = std::move(done), &tokens](outcome<intent_record> r) {
                   if (!r)
                     return done(problem_reply(r.error()));
                   done(http_reply{200, render_record(*r, tokens), {}});
                 });
}

void http_router::register_key(const http_request& req,
                               const std::string& account, reply_fn done) {
  if (auto denied = deny_admin(req))
    return done(std::move(*denied));
  std::optional<http_reply> error;
  auto fields = read_fields(req, {"public_key"}, error);
  if (!fields)
    return done(std::move(*error));
  auto key = (*fields)["public_key"];
  engine_.register_key(
      account, key,
      [done = std::move(done), account, key](outcome<bool> added) {
        if (!added)
          return done(problem_reply(added.error()));
        json body = {
            {"account", account}, {"public_key", key}, {"registered", *added}};
        done(http_reply{*added ? 201u : 200u, body.dump(), {}});
      });
}

} // namespace intentd
