// A read token proven later, on the engine's thread (a cluster node that
// asks the account's home for its keys): the gateway answers what the
// proof says once it arrives, and a proof that could not be made (the home
// is down) is a 503 node_unavailable with Retry-After, never a 401.

#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "runtime/model/read_token.hpp"
#include "runtime/model/signing.hpp"
#include "runtime/model/time.hpp"
#include "tests/runtime/router_fixture.hpp"

using namespace intentd;
using namespace intentd::test;

namespace {

/// A well-formed read token of `account` (the fake engine decides what it
/// proves).
std::string token_of(const std::string& account) {
  auto keys = *keys_from_seed(*from_hex(
      "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  auto now = wall_clock_now() / 1'000'000;
  return make_read_token(keys, account, now, now + 300);
}

cfg::config owner_reads() {
  cfg::config c;
  c.security.read_access = "owner";
  c.security.admin_api_keys = {"admin-key-0123456789"};
  c.rate_limits.rules.clear();
  return c;
}

/// A GET of `target` with `token` as its bearer, from off the loopback.
http_reply call_with(router_fixture& f, const std::string& target,
                     const std::string& token) {
  http_request req;
  req.method = "GET";
  req.target = target;
  req.peer = "203.0.113.7";
  req.authorization = "Bearer " + token;
  auto answered = std::make_shared<std::promise<http_reply>>();
  auto reply = answered->get_future();
  f.router.handle(
      req, [answered](http_reply rep) { answered->set_value(std::move(rep)); });
  REQUIRE(reply.wait_for(std::chrono::seconds{10}) ==
          std::future_status::ready);
  return reply.get();
}

std::string code_of(const http_reply& rep) {
  auto js = nlohmann::json::parse(rep.body, nullptr, false);
  if (js.is_discarded() || !js.contains("error"))
    return {};
  return js["error"].value("code", "");
}

} // namespace

TEST_CASE("a read token proven later lists its account") {
  router_fixture f{owner_reads()};
  f.eng.reader_proof = [](const std::string&) {
    return outcome<std::string>{std::string{"alice.near"}};
  };
  auto token = token_of("alice.near");
  auto rep = call_with(f, "/api/v1/intents?user=alice.near", token);
  CHECK(rep.status == 200);
  // Another account's listing: the proof decides the refusal.
  rep = call_with(f, "/api/v1/intents?user=bob.near", token);
  CHECK(rep.status == 403);
  CHECK(code_of(rep) == "forbidden");
}

TEST_CASE("a read token that cannot be checked now is a 503 "
          "node_unavailable, on listings and reads by id") {
  router_fixture f{owner_reads()};
  f.eng.reader_proof = [](const std::string&) {
    return outcome<std::string>{
        problem{errc::node_unavailable,
                "Node n2, which this request needs, is down; retry shortly.",
                {}}};
  };
  auto token = token_of("alice.near");
  for (const auto* target :
       {"/api/v1/intents?user=alice.near", "/api/v1/intents/int-1"}) {
    CAPTURE(target);
    auto rep = call_with(f, target, token);
    CHECK(rep.status == 503);
    CHECK(code_of(rep) == "node_unavailable");
    CHECK(header_of(rep, "Retry-After") == "1");
    CHECK(header_of(rep, "WWW-Authenticate").empty());
  }
}

TEST_CASE("a read token proven to be nobody is still a 401") {
  router_fixture f{owner_reads()};
  f.eng.reader_proof = [](const std::string&) {
    return outcome<std::string>{
        problem{errc::unauthorized,
                "The read token is signed with a key that is not registered to "
                "alice.near.",
                {}}};
  };
  auto rep =
      call_with(f, "/api/v1/intents?user=alice.near", token_of("alice.near"));
  CHECK(rep.status == 401);
  CHECK(header_of(rep, "WWW-Authenticate") == "Bearer");
}
