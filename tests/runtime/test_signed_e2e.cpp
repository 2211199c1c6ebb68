#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <thread>

#include "http_client.hpp"
#include "keyed_daemon.hpp"
#include "loopback_daemon.hpp"
#include "runtime/model/signing.hpp"
#include "runtime/model/time.hpp"
#include "runtime/settings/domain_settings.hpp"

using namespace intentd;
using namespace intentd::test;
using namespace std::chrono_literals;
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

/// The real engine and gateway on loopback port 0, signatures required;
/// `adjust` changes the config before the start.
struct signed_daemon : keyed_daemon {
  explicit signed_daemon(const temp_dir& dir, uint32_t latency_ms = 5,
                         const std::function<void(cfg::config&)>& adjust = {}) {
    config = loopback_config(dir, latency_ms);
    config.security.require_signatures = true;
    config.security.admin_api_keys = {admin_key};
    config.security.keys = {{"alice.near", hex_key(alice)},
                            {"bob.near", hex_key(bob)}};
    if (adjust)
      adjust(config);
    start();
  }
};

json transfer(const std::string& id, uint64_t nonce) {
  return {{"id", id},
          {"user_account", "alice.near"},
          {"action", "transfer"},
          {"input_token", "usdc.near"},
          {"input_amount", "12.5"},
          {"recipient", "carol.near"},
          {"expires_at", format_rfc3339(wall_clock_now() + 3600'000'000ll)},
          {"nonce", nonce}};
}

std::string code_of(const http_response& r) {
  return r.json()["error"].value("code", "");
}

} // namespace

TEST_CASE("signed submissions on the real engine: each refusal has its code") {
  temp_dir dir;
  signed_daemon d{dir};

  auto unsigned_body = transfer("t-unsigned", 1);
  auto r = d.submit(unsigned_body);
  CHECK(r.status == 401);
  CHECK(code_of(r) == "signature_required");

  auto forged = d.sign(transfer("t-forged", 1), alice);
  forged["signature"] = std::string(128, 'f');
  r = d.submit(forged);
  CHECK(r.status == 400);
  CHECK(code_of(r) == "malformed_signature");

  r = d.submit(d.sign(transfer("t-bob", 1), bob));
  CHECK(r.status == 403);
  CHECK(code_of(r) == "foreign_key");

  auto altered = d.sign(transfer("t-altered", 1), alice);
  altered["input_amount"] = "1250";
  r = d.submit(altered);
  CHECK(r.status == 401);
  CHECK(code_of(r) == "signature_mismatch");

  auto genuine = d.sign(transfer("t-1", 1), alice);
  r = d.submit(genuine);
  CHECK(r.status == 202);
  CHECK(r.json()["public_key"] == hex_key(alice));
  // The same body again is an idempotent resubmission, not a replay.
  r = d.submit(genuine);
  CHECK(r.status == 200);

  r = d.submit(d.sign(transfer("t-replay", 1), alice));
  CHECK(r.status == 409);
  CHECK(code_of(r) == "nonce_reused");

  // Nonces are per account: bob may use 1 too.
  auto bobs = transfer("t-bob-1", 1);
  bobs["user_account"] = "bob.near";
  CHECK(d.submit(d.sign(bobs, bob)).status == 202);

  // Used nonces survive a restart on the same storage.
  d.stop();
  d.start();
  r = d.submit(d.sign(transfer("t-after-restart", 1), alice));
  CHECK(r.status == 409);
  CHECK(code_of(r) == "nonce_reused");
  CHECK(d.submit(d.sign(transfer("t-2", 2), alice)).status == 202);
}

TEST_CASE("cancelling needs the owner's signature") {
  temp_dir dir;
  signed_daemon d{dir, 60'000}; // blocks of a minute: it stays pending
  REQUIRE(d.submit(d.sign(transfer("c-1", 7), alice)).status == 202);
  const std::string path = "/api/v1/intents/c-1/cancel";

  auto r = d.send(verb::post, path);
  CHECK(r.status == 401);
  CHECK(code_of(r) == "signature_required");

  auto by = [&](const ed25519_keys& k, uint64_t nonce) {
    auto msg = *cancel_message("c-1", nonce, hex_key(k));
    return json{{"public_key", hex_key(k)}, {"signature", sign_message(k, msg)}}
        .dump();
  };
  r = d.send(verb::post, path, by(bob, 7));
  CHECK(r.status == 403);
  CHECK(code_of(r) == "foreign_key");
  r = d.send(verb::post, path, by(alice, 8));
  CHECK(r.status == 401);
  CHECK(code_of(r) == "signature_mismatch");
  r = d.send(verb::post, path, by(alice, 7));
  CHECK(r.status == 200);
  CHECK(r.json()["status"] == "cancelled");
}

TEST_CASE("admin endpoints need an API key") {
  temp_dir dir;
  signed_daemon d{dir};
  const std::string retry = "/api/v1/dead-letters/nothing/retry";

  auto r = d.send(verb::post, retry);
  CHECK(r.status == 401);
  CHECK(code_of(r) == "unauthorized");
  CHECK(r.header("WWW-Authenticate") == "Bearer");
  r = d.send(verb::post, retry, {}, {{"X-API-Key", "wrong-key-0123456789"}});
  CHECK(r.status == 403);
  CHECK(code_of(r) == "forbidden");
  r = d.send(verb::delete_, "/api/v1/dead-letters/nothing", {},
             {{"Authorization", "Bearer nope"}});
  CHECK(r.status == 403);
  // With the key the call goes through (and finds nothing).
  r = d.send(verb::post, retry, {}, {{"X-API-Key", admin_key}});
  CHECK(r.status == 404);
  r = d.send(verb::delete_, "/api/v1/dead-letters/nothing", {},
             {{"Authorization", std::string{"Bearer "} + admin_key}});
  CHECK(r.status == 404);

  // Registering a key: admin only; then carol can sign.
  auto carol = *generate_keys();
  json key_body = {{"public_key", hex_key(carol)}};
  const std::string keys_path = "/api/v1/accounts/carol.near/keys";
  CHECK(d.send(verb::post, keys_path, key_body.dump()).status == 401);
  header_list admin = {{"Authorization", std::string{"Bearer "} + admin_key}};
  auto carols = transfer("k-1", 1);
  carols["user_account"] = "carol.near";
  r = d.submit(d.sign(carols, carol));
  CHECK(r.status == 403);
  CHECK(code_of(r) == "unknown_account_key");
  r = d.send(verb::post, keys_path, key_body.dump(), admin);
  CHECK(r.status == 201);
  CHECK(d.send(verb::post, keys_path, key_body.dump(), admin).status == 200);
  // Another account cannot take the key.
  r = d.send(verb::post, "/api/v1/accounts/dave.near/keys", key_body.dump(),
             admin);
  CHECK(r.status == 409);
  CHECK(d.submit(d.sign(carols, carol)).status == 202);

  // A registered key survives a restart on the same storage.
  d.stop();
  d.start();
  auto again = transfer("k-2", 2);
  again["user_account"] = "carol.near";
  CHECK(d.submit(d.sign(again, carol)).status == 202);
  r = d.send(verb::post, "/api/v1/accounts/dave.near/keys", key_body.dump(),
             admin);
  CHECK(r.status == 409);
}

TEST_CASE("a key that cannot be stored is not registered") {
  temp_dir dir;
  constexpr uint64_t map_mb = 16;
  {
    // A store at its largest map, filled until not even one more key fits.
    auto opts = fast_options(dir);
    opts.map_size = opts.max_map_size = map_mb << 20;
    auto store = open_store(opts);
    for (int b = 0;; ++b) {
      REQUIRE(b < 10'000);
      std::vector<intent_record> batch;
      for (int i = 0; i < 50; ++i) {
        auto rec = make_record("fill-" + std::to_string(b * 50 + i), "zed.near",
                               intent_status::completed, wall_clock_now());
        rec.status_message.assign(2000, 'm');
        batch.push_back(std::move(rec));
      }
      if (!store.put(batch))
        break;
    }
    // A refused write changes nothing, but a key landing on a fuller page
    // needs more free pages than one landing elsewhere: keys spread over
    // the whole key space go on until a thousand in a row are refused.
    int refused_in_a_row = 0;
    for (uint32_t i = 0; refused_in_a_row < 1000; ++i) {
      REQUIRE(i < 1'000'000);
      std::string key(32, '\0');
      for (int b = 0; b < 4; ++b)
        key[b] = static_cast<char>((i >> (8 * b)) & 0xff);
      refused_in_a_row =
          store.put_account_key("fill.near", key) ? 0 : refused_in_a_row + 1;
    }
  }
  signed_daemon d{dir, 5, [&](cfg::config& c) {
                    c.storage.map_size_mb = map_mb;
                    c.storage.max_map_size_mb = map_mb;
                  }};
  header_list admin = {{"Authorization", std::string{"Bearer "} + admin_key}};
  const auto carol = keys_of(
      "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00");
  json key_body = {{"public_key", hex_key(carol)}};
  const std::string keys_path = "/api/v1/accounts/carol.near/keys";
  auto r = d.send(verb::post, keys_path, key_body.dump(), admin);
  REQUIRE(r.status == 503);
  CHECK(code_of(r) == "storage_unavailable");
  // Taken back: carol's signatures are still refused, another account may
  // claim the key, and carol's second try is new again (503, not 200).
  auto carols = transfer("k-1", 1);
  carols["user_account"] = "carol.near";
  r = d.submit(d.sign(carols, carol));
  CHECK(r.status == 403);
  CHECK(code_of(r) == "unknown_account_key");
  CHECK(d.send(verb::post, keys_path, key_body.dump(), admin).status == 503);
  CHECK(d.send(verb::post, "/api/v1/accounts/dave.near/keys", key_body.dump(),
               admin)
            .status == 503);
}
