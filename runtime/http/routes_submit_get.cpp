#include "runtime/http/router.hpp"

#include <cctype>
#include <exception>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "runtime/engine/component_settings.hpp"
#include "runtime/engine/engine.hpp"
#include "runtime/http/route_helpers.hpp"
#include "runtime/metrics/engine_metrics.hpp"
#include "runtime/model/record_json.hpp"
#include "runtime/model/signing.hpp"
#include "runtime/model/time.hpp"

namespace intentd {

namespace http_detail {

http_reply json_reply(unsigned status, const nlohmann::json& body) {
  return http_reply{status, dump_json(body), {}};
}

http_reply internal_error() {
  return problem_reply(
      problem{errc::internal, "The server failed to encode its answer.", {}});
}

bool parse_query(std::string_view query,
                 std::map<std::string, std::string>& out) {
  bool ok = true;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{}
                                          : query.substr(amp + 1);
    if (pair.empty())
      continue;
    auto eq = pair.find('=');
    auto key = url_decode(pair.substr(0, eq), true, ok);
    auto value = eq == std::string_view::npos
                     ? std::string{}
                     : url_decode(pair.substr(eq + 1), true, ok);
    out[std::move(key)] = std::move(value);
  }
  return ok;
}

} // namespace http_detail

using namespace http_detail;

namespace {

using json = nlohmann::json;

bool is_json_media(std::string_view content_type) {
  auto media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t'))
    media.remove_suffix(1);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t'))
    media.remove_prefix(1);
  constexpr std::string_view expected = "application/json";
  if (media.size() != expected.size())
    return false;
  for (size_t i = 0; i < media.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(media[i])) != expected[i])
      return false;
  return true;
}

} // namespace

unsigned http_status(errc code) {
  switch (code) {
  case errc::invalid_intent:
  case errc::bad_request:
    return 400;
  case errc::not_found:
    return 404;
  case errc::conflict:
  case errc::not_cancellable:
    return 409;
  case errc::payload_too_large:
    return 413;
  case errc::unsupported_media:
    return 415;
  case errc::rate_limited:
    return 429;
  case errc::overloaded:
  case errc::storage_unavailable:
  case errc::node_unavailable:
    return 503;
  case errc::timeout:
    return 504;
  case errc::malformed_signature:
    return 400;
  case errc::signature_required:
  case errc::signature_mismatch:
  case errc::unauthorized:
    return 401;
  case errc::unknown_account_key:
  case errc::foreign_key:
  case errc::forbidden:
    return 403;
  case errc::nonce_reused:
    return 409;
  case errc::internal:
  case errc::storage_corrupt:
    break;
  }
  return 500;
}

http_reply problem_reply(const problem& p) {
  http_reply rep{http_status(p.code), dump_json(to_json(p)), {}};
  if (p.code == errc::overloaded || p.code == errc::storage_unavailable ||
      p.code == errc::node_unavailable || p.code == errc::rate_limited)
    rep.headers.emplace_back("Retry-After", "1");
  return rep;
}

http_reply error_reply(unsigned status, std::string_view code,
                       std::string_view message) {
  json body = {
      {"error",
       {{"code", code}, {"message", message}, {"details", json::array()}}}};
  return json_reply(status, body);
}

std::string url_decode(std::string_view in, bool plus_is_space, bool& ok) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c == '%') {
      int hi = i + 2 < in.size() ? hex_digit(in[i + 1]) : -1;
      int lo = hi >= 0 ? hex_digit(in[i + 2]) : -1;
      if (lo < 0) {
        ok = false;
        out.push_back(c);
        continue;
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

namespace {

/// The engine's rate limits, counted by the engine (at each key's home
/// node in a cluster); or limits of the gateway's own when the engine
/// keeps none.
http_limits limits_of(engine_core& e, const component_settings& s) {
  if (auto shared = e.rate_limits())
    return http_limits{std::move(shared),
                       [engine = &e](rate_route route, rate_subject who,
                                     uint8_t keys, http_limits::decided done) {
                         engine->count_rate(route, std::move(who), keys,
                                            std::move(done));
                       }};
  return http_limits{std::make_shared<rate_limiter>(s.rate_limits)};
}

/// A parsed submission whose address was admitted (`decision`): the
/// account pays once the engine has checked the signature, so that nobody
/// spends an account's budget without its key.
void submit_admitted(engine_core& engine, http_limits gate, http_request who,
                     parsed_intent parsed, rate_decision decision,
                     std::function<void(http_reply)> done) {
  auto charged = std::make_shared<rate_decision>();
  engine_core::submit_admission admit =
      [gate = std::move(gate), who = std::move(who),
       charged](const intent& in, engine_core::admission_done answer) {
        gate.check(
            who, route_submit, in.user_account, key_bit(rate_key::user),
            [charged, answer = std::move(answer)](rate_decision d) {
              *charged = d;
              if (d.allowed)
                return answer(std::nullopt);
              answer(problem{errc::rate_limited, "Too many requests.", {}});
            });
      };
  const auto& tokens = engine.tokens();
  auto render = [&tokens](const submit_result& r) {
    http_reply rep{
        r.created ? 202u : 200u, render_record(r.record, tokens), {}};
    if (r.created)
      rep.headers.emplace_back("Location",
                               "/api/v1/intents/" + r.record.request.id);
    return rep;
  };
  engine.submit(
      std::move(parsed.value), std::move(parsed.body_digest), std::move(admit),
      [done = std::move(done), decision, charged,
       render](outcome<submit_result> r) mutable {
        if (!r && r.error().code == errc::rate_limited && charged->applied &&
            !charged->allowed)
          return done(http_limits::too_many(*charged));
        respond<submit_result>(
            http_limits::with_headers(std::move(done),
                                      http_limits::closest(decision, *charged)),
            render)(std::move(r));
      });
}

/// A read by id whose address was admitted (`decision`): a proven reader
/// pays for its own reads, anyone else's read counts against the intent's
/// owner.
void read_admitted(engine_core& engine, http_limits gate, http_request who,
                   std::string id, std::optional<std::string> reader,
                   rate_decision decision,
                   std::function<void(http_reply)> done) {
  auto render = [](const rendered_record& r) {
    return http_reply{200, *r.json, {}};
  };
  if (reader) {
    const auto& account = *reader;
    return gate.check(
        who, route_read, account, key_bit(rate_key::user),
        [&engine, id = std::move(id), decision, render,
         done = std::move(done)](rate_decision own) mutable {
          if (!own.allowed)
            return done(http_limits::too_many(own));
          engine.get_rendered(
              id, respond<rendered_record>(
                      http_limits::with_headers(
                          std::move(done), http_limits::closest(decision, own)),
                      render));
        });
  }
  if (!gate.limits_users(route_read))
    return engine.get_rendered(
        id, respond<rendered_record>(
                http_limits::with_headers(std::move(done), decision), render));
  engine.get_rendered(
      id, [gate = std::move(gate), who = std::move(who), decision, render,
           done = std::move(done)](outcome<rendered_record> r) mutable {
        if (!r)
          return respond<rendered_record>(
              http_limits::with_headers(std::move(done), decision),
              render)(std::move(r));
        auto owner = r->user_account; // a copy: `r` moves into the callback
        gate.check(
            who, route_read, owner, key_bit(rate_key::user),
            [decision, render, done = std::move(done),
             r = std::move(r)](rate_decision charged) mutable {
              if (!charged.allowed)
                return done(http_limits::too_many(charged));
              respond<rendered_record>(
                  http_limits::with_headers(
                      std::move(done), http_limits::closest(decision, charged)),
                  render)(std::move(r));
            });
      });
}

} // namespace

http_router::http_router(engine_core& e)
    : http_router(e, settings_of(e.config())) {}

http_router::http_router(engine_core& e, const component_settings& s)
    : engine_(e), limits_(s.limits), metrics_(e.metrics()),
      limits_gate_(limits_of(e, s)) {
  if (!metrics_)
    metrics_ = std::make_shared<engine_metrics>();
}

void http_router::admit_websocket(
    const http_request& req,
    std::function<void(std::optional<http_reply>)> done) {
  limits_gate_.check(req, route_websocket, std::string{}, all_keys,
                     [done = std::move(done)](rate_decision decision) {
                       if (decision.allowed)
                         return done(std::nullopt);
                       done(http_limits::too_many(decision));
                     });
}

void http_router::submit(const http_request& req, reply_fn done) {
  if (!is_json_media(req.content_type)) {
    metrics_->submitted("unknown", to_string(errc::unsupported_media));
    return done(problem_reply(
        problem{errc::unsupported_media,
                "Send the intent as JSON with Content-Type: application/json.",
                {}}));
  }
  auto parsed = std::make_shared<outcome<parsed_intent>>(
      parse_intent(req.body, engine_.tokens(), limits_, wall_clock_now()));
  // Addresses pay for everything: invalid bodies and bad signatures too.
  limits_gate_.check(
      req, route_submit, {}, anonymous_keys,
      [&engine = engine_, metrics = metrics_, gate = limits_gate_,
       who = rate_client_of(req), parsed,
       done = std::move(done)](rate_decision decision) mutable {
        if (!decision.allowed)
          return done(http_limits::too_many(decision));
        if (!*parsed) {
          metrics->submitted("unknown", to_string(parsed->error().code));
          return http_limits::with_headers(std::move(done), decision)(
              problem_reply(parsed->error()));
        }
        submit_admitted(engine, std::move(gate), std::move(who),
                        std::move(**parsed), decision, std::move(done));
      });
}

void http_router::get(const http_request& req, const std::string& id,
                      std::string_view query, reply_fn done) {
  std::map<std::string, std::string> params;
  if (!parse_query(query, params))
    return done(problem_reply(
        problem{errc::bad_request, "The query has a malformed %-escape.", {}}));
  // A read by id takes no parameter: none may choose who pays for it.
  if (!params.empty()) {
    std::vector<field_problem> bad;
    bad.reserve(params.size());
    for (const auto& [name, value] : params)
      bad.push_back({name, "unknown parameter"});
    return done(problem_reply(
        problem{errc::bad_request,
                "GET /api/v1/intents/{id} takes no query parameters.",
                std::move(bad)}));
  }
  // A token that proves nobody is refused before the address pays.
  prove_reader(engine_, read_token_of(req),
               [&engine = engine_, gate = limits_gate_,
                who = rate_client_of(req), id, done = std::move(done)](
                   outcome<std::optional<std::string>> reader) mutable {
                 if (!reader)
                   return done(unauthorized_reply(reader.error()));
                 gate.check(
                     who, route_read, {}, anonymous_keys,
                     [&engine, gate, who, id = std::move(id),
                      reader = std::move(*reader),
                      done = std::move(done)](rate_decision decision) mutable {
                       if (!decision.allowed)
                         return done(http_limits::too_many(decision));
                       read_admitted(engine, std::move(gate), std::move(who),
                                     std::move(id), std::move(reader), decision,
                                     std::move(done));
                     });
               });
}

} // namespace intentd
