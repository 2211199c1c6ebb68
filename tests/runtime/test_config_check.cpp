#include <doctest/doctest.h>

#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/load.hpp"
#include "loopback_daemon.hpp"
#include "runtime/daemon/startup_checks.hpp"
#include "runtime/engine/component_settings.hpp"
#include "runtime/engine/engine.hpp"

using namespace intentd;
using namespace intentd::test;

namespace {

const std::string key_a(64, 'a');
const std::string key_b(64, 'b');

std::vector<std::string> problems_of(const std::string& yaml) {
  return startup_config_problems(cfg::parse(yaml));
}

// The message start-up itself stops with, or "" when it starts.
std::string engine_refusal(cfg::config c, const temp_dir& dir) {
  c.storage.path = dir.path().string();
  c.storage.sync = false;
  c.storage.map_size_mb = 64;
  c.logging.level = "off";
  try {
    auto eng = engine_core::start(c);
    eng->stop();
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

} // namespace

TEST_CASE("the defaults and the loader's own checks pass start-up's") {
  CHECK(startup_config_problems(cfg::config{}).empty());
  CHECK(problems_of(
            "security: {keys: [{account: alice.near, public_key: " + key_a +
            "}, {account: bob.near, public_key: " + key_b + "}]}")
            .empty());
  // The same key twice for one account is one registration, not a clash.
  CHECK(problems_of(
            "security: {keys: [{account: alice.near, public_key: " + key_a +
            "}, {account: alice.near, public_key: " + key_a + "}]}")
            .empty());
}

TEST_CASE("a key claimed by two accounts is refused as start-up refuses it") {
  auto c = cfg::parse(
      "security: {keys: [{account: alice.near, public_key: " + key_a +
      "}, {account: bob.near, public_key: " + key_a + "}]}");
  auto problems = startup_config_problems(c);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] == "security.keys: bob.near: This public key is "
                       "registered to another account.");
  temp_dir dir;
  CHECK(engine_refusal(c, dir) == problems[0]);
}

TEST_CASE("a key for an invalid account id is refused as start-up does") {
  for (const char* account : {"A", "x", "Alice.near", "a..b", "-a"}) {
    CAPTURE(account);
    auto c = cfg::parse(std::string{"security: {keys: [{account: \""} +
                        account + "\", public_key: " + key_a + "}]}");
    auto problems = startup_config_problems(c);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0] == std::string{"security.keys: "} + account + ": \"" +
                             account + "\" is not a valid account id.");
    if (std::string{account} == "A") {
      temp_dir dir;
      CHECK(engine_refusal(c, dir) == problems[0]);
    }
  }
}

TEST_CASE("a listen address that is not an IP address is refused") {
  auto c = cfg::parse("server: {listen: \"localhost:8080\"}");
  auto problems = startup_config_problems(c);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0] == "server.listen: expected an IP address and a port, "
                       "got 'localhost:8080'");
  CHECK_THROWS_WITH(settings_of(c), problems[0].c_str());
  CHECK(problems_of("server: {listen: \"[::1]:0\"}").empty());
  CHECK(problems_of("server: {listen: \"0.0.0.0:65535\"}").empty());
}

TEST_CASE("numbers the loader reads but start-up cannot use are refused") {
  // A price finer than the price table keeps (9 decimals).
  auto p = problems_of("tokens: [{id: x.near, decimals: 6, "
                       "price: \"0.0000000001\"}]");
  REQUIRE(p.size() == 1);
  CHECK(p[0] == "token x.near: bad price 0.0000000001");
  // Whole numbers beyond 128 bits.
  const std::string huge(40, '9');
  p = problems_of("validation: {max_amount: \"" + huge + "\"}");
  REQUIRE(p.size() == 1);
  CHECK(p[0] == "validation.max_amount: not a whole number: " + huge);
  p = problems_of("chain: {simulated: {initial_balance: \"" + huge + "\"}}");
  REQUIRE(p.size() == 1);
  CHECK(p[0] == "chain.simulated.initial_balance: not a whole number: " + huge);
}

TEST_CASE("every problem is listed, not only the first") {
  auto p = problems_of("server: {listen: \"localhost:1\"}\n"
                       "security: {keys: [{account: A, public_key: " +
                       key_a + "}]}");
  CHECK(p.size() == 2);
}

TEST_CASE("storage paths that cannot be directories are refused") {
  temp_dir dir;
  std::filesystem::create_directories(dir.path());
  auto file = dir.path() / "a-file";
  std::ofstream{file} << "x";
  cfg::config c;

  c.storage.path = file.string();
  auto p = startup_config_problems(c);
  REQUIRE(p.size() == 1);
  CHECK(p[0] ==
        "storage.path: " + file.string() + " exists and is not a directory");

  c.storage.path = (file / "data").string();
  p = startup_config_problems(c);
  REQUIRE(p.size() == 1);
  CHECK(p[0] == "storage.path: " + file.string() + " is not a directory, so " +
                    c.storage.path + " cannot be created");

  // The simulated chain's journal directory inside it.
  std::filesystem::create_directories(dir.path() / "store");
  std::ofstream{dir.path() / "store" / "chain"} << "x";
  c.storage.path = (dir.path() / "store").string();
  p = startup_config_problems(c);
  REQUIRE(p.size() == 1);
  CHECK(p[0] == "storage.path: " + c.storage.path +
                    "/chain exists and is not a directory");

  // Missing directories are made at start-up; an existing one is fine.
  c.storage.path = (dir.path() / "new" / "deeper").string();
  CHECK(startup_config_problems(c).empty());
  c.storage.path = dir.path().string();
  CHECK(startup_config_problems(c).empty());
}
