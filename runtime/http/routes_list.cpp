// The listing routes: intents by status or user (paged by cursor), dead
// letters, solvers.

#include <nlohmann/json.hpp>

#include "runtime/engine/engine.hpp"
#include "runtime/http/route_helpers.hpp"
#include "runtime/http/router.hpp"
#include "runtime/model/record_json.hpp"
#include "runtime/model/time.hpp"

namespace intentd {

using namespace http_detail;

namespace {

using json = nlohmann::json;

constexpr uint32_t default_page = 50;
constexpr uint32_t max_page = 1000;

/// A JSON array of the records as render_record writes them.
std::string items_text(const std::vector<intent_record>& records,
                       const token_registry& tokens) {
  std::string out = "[";
  for (const auto& rec : records) {
    if (out.size() > 1)
      out += ',';
    out += render_record(rec, tokens);
  }
  out += ']';
  return out;
}

std::optional<uint32_t> parse_limit(const std::string& text) {
  if (text.empty() || text.size() > 6)
    return std::nullopt;
  uint32_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    n = n * 10 + static_cast<uint32_t>(c - '0');
  }
  if (n < 1 || n > max_page)
    return std::nullopt;
  return n;
}

std::string limit_problem() {
  return "must be an integer from 1 to " + std::to_string(max_page);
}

/// One page of `q`, the client admitted.
void list_admitted(engine_core& engine, const list_query& q,
                   std::function<void(http_reply)> done) {
  const auto& tokens = engine.tokens();
  engine.list(
      q,
      respond<record_page>(std::move(done), [&tokens](const record_page& page) {
        json next =
            page.next_cursor.empty() ? json(nullptr) : json(page.next_cursor);
        return http_reply{200,
                          "{\"items\":" + items_text(page.items, tokens) +
                              ",\"next_cursor\":" + dump_json(next) + "}",
                          {}};
      }));
}

/// One solver of GET /api/v1/solvers: the same fields for both kinds.
json solver_json(const solver_view& s) {
  json rejected = json::object();
  for (const auto& [reason, n] : s.rejected)
    rejected[reason] = n;
  json item = {{"solver_id", s.solver_id},
               {"kind", s.kind},
               {"connected", s.connected},
               {"attempts", s.attempts},
               {"successes", s.successes},
               {"failures", s.failures},
               {"success_rate", s.success_rate},
               {"mean_execution_ms", s.mean_execution_ms},
               {"healthy", s.healthy},
               {"asked", s.asked},
               {"answered", s.answered},
               {"valid", s.valid},
               {"won", s.won},
               {"settled", s.settled},
               {"failed", s.failed},
               {"mean_response_ms", s.mean_response_ms},
               {"consecutive_failures", s.consecutive_failures},
               {"resting_until", nullptr},
               {"rejected", std::move(rejected)}};
  if (s.resting_until > 0)
    item["resting_until"] = format_rfc3339(s.resting_until);
  if (!s.node.empty())
    item["node"] = s.node;
  return item;
}

} // namespace

void http_router::list(const http_request& req, std::string_view query,
                       reply_fn done) {
  std::map<std::string, std::string> params;
  if (!parse_query(query, params))
    return done(problem_reply(
        problem{errc::bad_request, "The query has a malformed %-escape.", {}}));
  list_query q;
  std::vector<field_problem> bad;
  if (auto it = params.find("user");
      it != params.end() && !it->second.empty()) {
    if (valid_account(it->second))
      q.user = it->second;
    else
      bad.push_back({"user", "must be a valid account id"});
  }
  if (auto it = params.find("status");
      it != params.end() && !it->second.empty()) {
    if (auto s = parse_status(it->second))
      q.status = *s;
    else
      bad.push_back({"status", "must be one of pending, verified, executing, "
                               "completed, failed, expired, cancelled"});
  }
  q.limit = default_page;
  if (auto it = params.find("limit"); it != params.end()) {
    if (auto n = parse_limit(it->second))
      q.limit = *n;
    else
      bad.push_back({"limit", limit_problem()});
  }
  if (auto it = params.find("cursor"); it != params.end())
    q.cursor = it->second;
  // Answered in this order once the address is admitted: the reader is
  // proven (perhaps by asking the account's home node) only then.
  limits_gate_.check(
      req, route_read, {}, anonymous_keys,
      [&engine = engine_, gate = limits_gate_, who = rate_client_of(req), q,
       bad = std::move(bad), token = read_token_of(req),
       access = listing_access_of(req),
       done = std::move(done)](rate_decision decision) mutable {
        if (!decision.allowed)
          return done(http_limits::too_many(decision));
        if (!bad.empty())
          return http_limits::with_headers(std::move(done),
                                           decision)(problem_reply(
              problem{errc::bad_request, "The query has invalid parameters.",
                      std::move(bad)}));
        prove_reader(engine, std::move(token),
                     [&engine, gate = std::move(gate), who = std::move(who),
                      q = std::move(q), access = std::move(access), decision,
                      done = std::move(done)](
                         outcome<std::optional<std::string>> reader) mutable {
                       if (!reader)
                         return done(unauthorized_reply(reader.error()));
                       if (auto denied = access.deny(q.user, *reader))
                         return done(std::move(*denied));
                       // A proven reader pays for its reads, anyone else the
                       // account listed.
                       auto payer = reader->value_or(q.user);
                       gate.check(
                           who, route_read, payer, key_bit(rate_key::user),
                           [&engine, q, decision,
                            done = std::move(done)](rate_decision own) mutable {
                             if (!own.allowed)
                               return done(http_limits::too_many(own));
                             list_admitted(
                                 engine, q,
                                 http_limits::with_headers(
                                     std::move(done),
                                     http_limits::closest(decision, own)));
                           });
                     });
      });
}

void http_router::dead_letters(const http_request& req, std::string_view query,
                               reply_fn done) {
  if (owner_reads())
    if (auto denied = deny_admin(req))
      return done(std::move(*denied));
  std::map<std::string, std::string> params;
  if (!parse_query(query, params))
    return done(problem_reply(
        problem{errc::bad_request, "The query has a malformed %-escape.", {}}));
  uint32_t limit = default_page;
  if (auto it = params.find("limit"); it != params.end()) {
    auto n = parse_limit(it->second);
    if (!n)
      return done(problem_reply(problem{errc::bad_request,
                                        "The query has invalid parameters.",
                                        {{"limit", limit_problem()}}}));
    limit = *n;
  }
  const auto& tokens = engine_.tokens();
  engine_.dead_letters(
      limit,
      respond<
          std::vector<intent_record>>(std::move(done), [&tokens](
                                                           const std::vector<
                                                               intent_record>&
                                                               v) {
        return http_reply{200, "{\"items\":" + items_text(v, tokens) + "}", {}};
      }));
}

void http_router::solvers(reply_fn done) {
  engine_.solvers(respond<std::vector<solver_view>>(
      std::move(done), [](const std::vector<solver_view>& v) {
        json items = json::array();
        for (const auto& s : v)
          items.push_back(solver_json(s));
        return json_reply(200, {{"solvers", std::move(items)}});
      }));
}

void http_router::cluster(reply_fn done) {
  engine_.cluster(respond<cluster_view>(std::move(done), [](const cluster_view&
                                                                view) {
    json nodes = json::array();
    for (const auto& m : view.nodes)
      nodes.push_back({{"name", m.name},
                       {"address", m.address},
                       {"http", m.http},
                       {"state", to_string(m.state)},
                       {"live_intents", m.live_intents}});
    return json_reply(200, {{"node", view.node}, {"nodes", std::move(nodes)}});
  }));
}

} // namespace intentd
