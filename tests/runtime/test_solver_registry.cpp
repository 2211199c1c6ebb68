#include <doctest/doctest.h>

#include <cctype>
#include <memory>
#include <string>
#include <vector>

#include "runtime/engine/solver_registry.hpp"
#include "runtime/metrics/engine_metrics.hpp"
#include "runtime/model/signing.hpp"
#include "runtime/model/solver_quote.hpp"

using namespace intentd;

namespace {

/// A connection that keeps what it is sent and whether it was closed.
struct fake_link : solver_link {
  std::vector<std::string> sent;
  bool full = false;
  uint16_t closed_with = 0;

  bool send(std::string text) override {
    if (full)
      return false;
    sent.push_back(std::move(text));
    return true;
  }
  void close(uint16_t code, std::string) override { closed_with = code; }
};

std::vector<cfg::external_solver> two_solvers() {
  return {{"acme", std::string(64, 'a'), "acme.near"},
          {"beta", std::string(64, 'b'), "beta.near"}};
}

using strings = std::vector<std::string>;

} // namespace

TEST_CASE("the registry lists connected solvers and sends to one of them") {
  auto metrics = std::make_shared<engine_metrics>();
  solver_registry r{two_solvers(), metrics};
  CHECK(r.find("acme")->account == "acme.near");
  CHECK_FALSE(r.find("zed"));
  CHECK(r.connected().empty());
  auto beta = std::make_shared<fake_link>();
  auto acme = std::make_shared<fake_link>();
  CHECK(r.attach("beta", beta).get() == nullptr);
  CHECK(r.attach("acme", acme).get() == nullptr);
  CHECK(r.connected() == strings{"acme", "beta"});
  CHECK(metrics->external_solvers_connected().value() == 2);
  CHECK(r.send("acme", "x"));
  CHECK(acme->sent == strings{"x"});
  CHECK(beta->sent.empty());
  CHECK_FALSE(r.send("zed", "x"));
  acme->full = true;
  CHECK_FALSE(r.send("acme", "y"));
  r.detach("acme", acme.get());
  CHECK(r.connected() == strings{"beta"});
  CHECK_FALSE(r.send("acme", "z"));
  CHECK(metrics->external_solvers_connected().value() == 1);
}

TEST_CASE("a new link of a solver replaces the old; the old one's detach "
          "leaves the new") {
  solver_registry r{two_solvers()};
  auto first = std::make_shared<fake_link>();
  auto second = std::make_shared<fake_link>();
  r.attach("acme", first);
  auto replaced = r.attach("acme", second);
  CHECK(replaced.get() == first.get());
  r.detach("acme", first.get());
  CHECK(r.is_connected("acme"));
  CHECK(r.send("acme", "q"));
  CHECK(second->sent == strings{"q"});
  CHECK(first->sent.empty());
}

TEST_CASE("an attached link is told to the connected handler, after the "
          "gone of the link it replaced") {
  solver_registry r{two_solvers()};
  strings told;
  r.attach("beta", std::make_shared<fake_link>()); // no handler yet
  r.on_connected([&](const std::string& id) {
    CHECK(r.is_connected(id));
    told.push_back("connected " + id);
  });
  r.on_gone([&](const std::string& id) { told.push_back("gone " + id); });
  auto first = std::make_shared<fake_link>();
  r.attach("acme", first);
  r.attach("acme", std::make_shared<fake_link>());
  r.detach("acme", first.get()); // no longer its link: nothing told
  CHECK(told == strings{"connected acme", "gone acme", "connected acme"});
  r.on_connected({});
  r.attach("beta", std::make_shared<fake_link>());
  CHECK(told.back() == "gone beta");
}

TEST_CASE("quote frames go to the handler with the solver id and the time") {
  time_us now = 1'700'000'000'000'000;
  solver_registry r{two_solvers(), nullptr, [&] { return now; }};
  r.deliver_quote("acme", "{}"); // no handler yet: dropped
  std::vector<received_quote> got;
  r.on_quote([&](received_quote f) { got.push_back(std::move(f)); });
  now += 5;
  r.deliver_quote("beta", R"({"type":"quote"})");
  REQUIRE(got.size() == 1);
  CHECK(got[0].solver_id == "beta");
  CHECK(got[0].text == R"({"type":"quote"})");
  CHECK(got[0].received_at == now);
  r.on_quote({});
  r.deliver_quote("beta", "{}");
  CHECK(got.size() == 1);
}

TEST_CASE("the auth signature covers 'intentd-solver-auth:' and the nonce") {
  auto keys = *keys_from_seed(std::string(32, '\x07'));
  auto key = to_hex({reinterpret_cast<const char*>(keys.public_key.data()),
                     keys.public_key.size()});
  auto nonce = generate_auth_nonce().value_or(std::string{});
  REQUIRE(nonce.size() == 64);
  CHECK(nonce != generate_auth_nonce());
  CHECK(solver_auth_message(nonce) == "intentd-solver-auth:" + nonce);
  auto sig = sign_message(keys, "intentd-solver-auth:" + nonce);
  CHECK(verify_solver_auth(key, nonce, sig));
  std::string upper = sig;
  for (char& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(verify_solver_auth(key, nonce, upper));
  // Another nonce, the bare nonce, another key, malformed hex.
  CHECK_FALSE(verify_solver_auth(key, std::string(64, '0'), sig));
  CHECK_FALSE(verify_solver_auth(key, nonce, sign_message(keys, nonce)));
  auto other = *keys_from_seed(std::string(32, '\x08'));
  CHECK_FALSE(verify_solver_auth(
      key, nonce, sign_message(other, "intentd-solver-auth:" + nonce)));
  CHECK_FALSE(verify_solver_auth(key, nonce, sig.substr(2)));
  CHECK_FALSE(verify_solver_auth(key, nonce, "zz" + sig.substr(2)));
  CHECK_FALSE(verify_solver_auth(key.substr(2), nonce, sig));
  CHECK_FALSE(verify_solver_auth(key, nonce, ""));
}
