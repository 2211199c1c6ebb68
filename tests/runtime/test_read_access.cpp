// Who pays for a request and who may read what, on the real engine and
// gateway: per-user limits spent only by proven requests, reads by id
// charged to their owner or the proven reader, security.read_access owner.

#include <doctest/doctest.h>

#include <functional>
#include <sstream>
#include <string>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "http_client.hpp"
#include "keyed_daemon.hpp"
#include "loopback_daemon.hpp"
#include "runtime/engine/signature_gate.hpp"
#include "runtime/model/read_token.hpp"
#include "runtime/model/signing.hpp"
#include "runtime/model/time.hpp"
#include "runtime/settings/domain_settings.hpp"
#include "ws_client.hpp"

using namespace intentd;
using namespace intentd::test;
using json = nlohmann::json;

namespace {

constexpr const char* admin_key = "admin-key-0123456789";

ed25519_keys keys_of(const char* seed_hex) {
  return *keys_from_seed(*from_hex(seed_hex));
}

const ed25519_keys alice =
    keys_of("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
const ed25519_keys bob =
    keys_of("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");

/// A read token of `account` signed with `k`, issued now.
std::string token_of(const ed25519_keys& k, const std::string& account,
                     int64_t ttl_s = 300, int64_t age_s = 0) {
  auto now = wall_clock_now() / 1'000'000 - age_s;
  return make_read_token(k, account, now, now + ttl_s);
}

header_list bearer(const std::string& value) {
  return {{"Authorization", "Bearer " + value}};
}

/// The real engine and gateway with alice's and bob's keys and an admin
/// key; `adjust` changes the config before the start.
struct access_daemon : keyed_daemon {
  explicit access_daemon(const temp_dir& dir,
                         const std::function<void(cfg::config&)>& adjust = {},
                         uint32_t latency_ms = 5) {
    config = loopback_config(dir, latency_ms);
    config.security.admin_api_keys = {admin_key};
    config.security.keys = {{"alice.near", hex_key(alice)},
                            {"bob.near", hex_key(bob)}};
    config.rate_limits.rules.clear();
    if (adjust)
      adjust(config);
    start();
  }
};

json transfer(const std::string& id, uint64_t nonce,
              const std::string& user = "alice.near") {
  return {{"id", id},
          {"user_account", user},
          {"action", "transfer"},
          {"input_token", "usdc.near"},
          {"input_amount", "1"},
          {"recipient", "carol.near"},
          // Fixed, so that what is signed is what the server reads.
          {"expires_at", format_rfc3339(wall_clock_now() + 3600'000'000ll)},
          {"nonce", nonce}};
}

cfg::rate_rule rule(std::string name, std::string key,
                    std::vector<std::string> routes, uint32_t limit) {
  return {std::move(name), std::move(key), std::move(routes), limit, 900,
          "sliding_window"};
}

std::string code_of(const http_response& r) {
  return r.json()["error"].value("code", "");
}

} // namespace

TEST_CASE("forged and unsigned submissions do not spend a signed account's "
          "budget; the address pays for all") {
  temp_dir dir;
  access_daemon d{dir, [](cfg::config& c) {
                    c.security.require_signatures = true;
                    c.rate_limits.rules = {
                        rule("user_submits", "user_account", {"submit"}, 3),
                        rule("ip_submits", "ip", {"submit"}, 12)};
                  }};
  for (int i = 0; i < 3; ++i) {
    auto forged = d.sign(transfer("f-" + std::to_string(i), 100 + i), alice);
    forged["input_amount"] = "2"; // no longer what was signed
    auto r = d.submit(forged);
    CHECK(r.status == 401);
    CHECK(code_of(r) == "signature_mismatch");
    r = d.submit(transfer("u-" + std::to_string(i), 200 + i));
    CHECK(r.status == 401);
    CHECK(code_of(r) == "signature_required");
  }
  // Alice's own budget is whole: three signed intents pass, the fourth not.
  for (int i = 0; i < 3; ++i) {
    auto r = d.submit(d.sign(transfer("a-" + std::to_string(i), i + 1), alice));
    CHECK(r.status == 202);
    CHECK(r.header("RateLimit-Limit") == "3");
    CHECK(r.header("RateLimit-Remaining") == std::to_string(2 - i));
  }
  auto r = d.submit(d.sign(transfer("a-3", 4), alice));
  CHECK(r.status == 429);
  CHECK(r.header("RateLimit-Limit") == "3");
  CHECK(std::stoi(r.header("Retry-After")) >= 1);
  // The address paid for all ten requests: two more, then 429 for anyone.
  auto bobs = d.sign(transfer("b-0", 1, "bob.near"), bob);
  CHECK(d.submit(bobs).status == 202);
  CHECK(d.submit(transfer("u-9", 9)).status == 401);
  r = d.submit(d.sign(transfer("b-1", 2, "bob.near"), bob));
  CHECK(r.status == 429);
  CHECK(r.header("RateLimit-Limit") == "12");
}

TEST_CASE("without required signatures a signed submission pays for its "
          "user, an unsigned one for the account it names, a bad one for "
          "none") {
  temp_dir dir;
  access_daemon d{dir, [](cfg::config& c) {
                    c.rate_limits.rules = {
                        rule("user_submits", "user_account", {"submit"}, 2)};
                  }};
  auto forged = d.sign(transfer("f-0", 50), alice);
  forged["input_amount"] = "2";
  for (int i = 0; i < 3; ++i)
    CHECK(d.submit(forged).status == 401);
  CHECK(d.submit(d.sign(transfer("s-0", 1), alice)).status == 202);
  auto r = d.submit(transfer("n-0", 0));
  CHECK(r.status == 202);
  CHECK(r.header("RateLimit-Remaining") == "0");
  CHECK(d.submit(transfer("n-1", 0)).status == 429);
  CHECK(d.submit(d.sign(transfer("s-1", 2), alice)).status == 429);
}

TEST_CASE("a read by id takes no query parameter and is charged to the "
          "intent's owner or the proven reader") {
  temp_dir dir;
  access_daemon d{dir, [](cfg::config& c) {
                    c.rate_limits.rules = {
                        rule("user_reads", "user_account", {"read"}, 3)};
                  }};
  REQUIRE(d.submit(transfer("r-1", 1)).status == 202);
  const std::string path = "/api/v1/intents/r-1";
  for (auto query : {"?user=zzz.near", "?user=ALICE.NEAR", "?user=x",
                     "?user=%00", "?user=", "?foo=1&user=bob.near"}) {
    auto r = d.send(verb::get, path + query);
    CHECK(r.status == 400);
    CHECK(code_of(r) == "bad_request");
    auto fields = r.json()["error"]["details"];
    REQUIRE(fields.size() >= 1);
    CHECK(fields[0]["problem"] == "unknown parameter");
  }
  auto r = d.send(verb::get, path + "?foo=1");
  REQUIRE(r.status == 400);
  CHECK(r.json()["error"]["details"][0]["field"] == "foo");
  // Three anonymous reads spend alice's budget, not the caller's choice.
  for (int i = 0; i < 3; ++i) {
    r = d.send(verb::get, path);
    CHECK(r.status == 200);
    CHECK(r.header("RateLimit-Remaining") == std::to_string(2 - i));
  }
  CHECK(d.send(verb::get, path).status == 429);
  // Bob proves who he is and pays for his own read of the same intent.
  r = d.send(verb::get, path, {}, bearer(token_of(bob, "bob.near")));
  CHECK(r.status == 200);
  CHECK(r.json()["id"] == "r-1");
  CHECK(r.header("RateLimit-Remaining") == "2");
  // A token that proves nobody is refused, even where reads are open.
  r = d.send(verb::get, path, {}, bearer(token_of(bob, "alice.near")));
  CHECK(r.status == 401);
  CHECK(r.header("WWW-Authenticate") == "Bearer");
}

TEST_CASE("read_access owner: listings, dead letters and subscribe-user need "
          "a read token or an admin key; reads by id stay open") {
  temp_dir dir;
  access_daemon d{dir};
  REQUIRE(d.config.security.read_access == "owner");
  REQUIRE(d.submit(transfer("o-1", 1)).status == 202);
  REQUIRE(d.submit(transfer("o-2", 1, "bob.near")).status == 202);
  header_list admin = {{"X-API-Key", admin_key}};

  auto r = d.send(verb::get, "/api/v1/intents");
  CHECK(r.status == 401);
  CHECK(r.header("WWW-Authenticate") == "Bearer");
  CHECK(d.send(verb::get, "/api/v1/intents", {}, admin).status == 200);
  r = d.send(verb::get, "/api/v1/intents", {},
             bearer(token_of(alice, "alice.near")));
  CHECK(r.status == 403);

  const std::string alices = "/api/v1/intents?user=alice.near";
  r = d.send(verb::get, alices);
  CHECK(r.status == 401);
  CHECK(code_of(r) == "unauthorized");
  r = d.send(verb::get, alices, {}, bearer(token_of(alice, "alice.near")));
  REQUIRE(r.status == 200);
  REQUIRE(r.json()["items"].size() == 1);
  CHECK(r.json()["items"][0]["id"] == "o-1");
  r = d.send(verb::get, alices, {}, bearer(token_of(bob, "bob.near")));
  CHECK(r.status == 403);
  CHECK(code_of(r) == "forbidden");
  // Expired, living longer than read_token_max_ttl_s (900 s), or signed
  // with another account's key: 401.
  CHECK(d.send(verb::get, alices, {},
               bearer(token_of(alice, "alice.near", 300, 301)))
            .status == 401);
  CHECK(
      d.send(verb::get, alices, {}, bearer(token_of(alice, "alice.near", 901)))
          .status == 401);
  CHECK(d.send(verb::get, alices, {}, bearer(token_of(bob, "alice.near")))
            .status == 401);
  CHECK(d.send(verb::get, alices, {}, admin).status == 200);

  CHECK(d.send(verb::get, "/api/v1/dead-letters").status == 401);
  CHECK(d.send(verb::get, "/api/v1/dead-letters", {},
               bearer(token_of(alice, "alice.near")))
            .status == 403);
  CHECK(d.send(verb::get, "/api/v1/dead-letters", {}, admin).status == 200);

  CHECK(d.send(verb::get, "/api/v1/intents/o-2").status == 200);

  ws_client c{d.port};
  c.send(json{{"op", "subscribe-user"}, {"user_account", "alice.near"}});
  auto m = c.read();
  REQUIRE(m);
  CHECK((*m)["event"] == "error");
  CHECK((*m)["code"] == "unauthorized");
  c.send(json{{"op", "subscribe-user"},
              {"user_account", "alice.near"},
              {"token", token_of(bob, "bob.near")}});
  m = c.read();
  REQUIRE(m);
  CHECK((*m)["code"] == "forbidden");
  c.send(json{{"op", "subscribe-user"},
              {"user_account", "alice.near"},
              {"token", token_of(alice, "alice.near", 300, 400)}});
  m = c.read();
  REQUIRE(m);
  CHECK((*m)["code"] == "unauthorized");
  c.send(json{{"op", "subscribe-user"},
              {"user_account", "alice.near"},
              {"token", token_of(alice, "alice.near")}});
  m = c.read();
  REQUIRE(m);
  CHECK((*m)["event"] == "subscribed");
  // Following one intent by id stays open.
  c.send(json{{"op", "subscribe-intent"}, {"intent_id", "o-2"}});
  m = c.read();
  REQUIRE(m);
  CHECK((*m)["event"] != "error");
  // An upgrade with the admin key follows any account without a token.
  ws_client ops{d.port, 0, std::chrono::seconds{10}, admin};
  ops.send(json{{"op", "subscribe-user"}, {"user_account", "bob.near"}});
  m = ops.read();
  REQUIRE(m);
  CHECK((*m)["event"] == "subscribed");
}

TEST_CASE("read_access open: anyone lists and follows any account") {
  temp_dir dir;
  access_daemon d{dir, [](cfg::config& c) { c.security.read_access = "open"; }};
  REQUIRE(d.submit(transfer("p-1", 1)).status == 202);
  CHECK(d.send(verb::get, "/api/v1/intents").status == 200);
  CHECK(d.send(verb::get, "/api/v1/intents?user=alice.near").status == 200);
  CHECK(d.send(verb::get, "/api/v1/dead-letters").status == 200);
  ws_client c{d.port};
  c.send(json{{"op", "subscribe-user"}, {"user_account", "alice.near"}});
  auto m = c.read();
  REQUIRE(m);
  CHECK((*m)["event"] == "subscribed");
}

TEST_CASE("server-made ids are long, random and still sort by time") {
  temp_dir dir;
  access_daemon d{dir};
  auto body = transfer("", 1);
  body.erase("id");
  auto first = d.submit(body);
  REQUIRE(first.status == 202);
  body["nonce"] = 2;
  auto second = d.submit(body);
  REQUIRE(second.status == 202);
  std::string a = first.json()["id"];
  std::string b = second.json()["id"];
  CHECK(a.size() == 40);
  CHECK(a.rfind("int_", 0) == 0);
  // The time prefix orders them; the random rest differs.
  CHECK(a.substr(0, 16) <= b.substr(0, 16));
  CHECK(a.substr(16) != b.substr(16));
  CHECK(d.send(verb::get, "/api/v1/intents/" + a).status == 200);
}

TEST_CASE("read_access open is warned about at start-up, owner is not") {
  std::ostringstream out;
  auto previous = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_st>(out));
  logger->set_pattern("%l %v");
  spdlog::set_default_logger(logger);
  cfg::security s;
  s.require_signatures = true;
  s.admin_api_keys = {admin_key};
  log_security_warnings(s);
  auto quiet = out.str();
  s.read_access = "open";
  log_security_warnings(s);
  auto loud = out.str().substr(quiet.size());
  spdlog::set_default_logger(previous);
  CHECK(quiet.empty());
  CHECK(loud.rfind("warning !!! security.read_access is open", 0) == 0);
}
