#include <doctest/doctest.h>

#include <string>

#include "config/load.hpp"
#include "parse_error.hpp"

using namespace intentd::cfg;
using intentd::cfg::test::error_of;

namespace {

const std::string key_hex =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

} // namespace

TEST_CASE("security defaults: no signatures required, no admin key") {
  config c = parse("{}");
  CHECK_FALSE(c.security.require_signatures);
  CHECK(c.security.admin_api_keys.empty());
  CHECK(c.security.keys.empty());
}

TEST_CASE("the security section reads keys and admin keys, and round-trips") {
  config c = parse("security:\n"
                   "  require_signatures: true\n"
                   "  admin_api_keys: [\"0123456789abcdef0123\"]\n"
                   "  keys:\n"
                   "    - { account: alice.near, public_key: " +
                   key_hex + " }\n");
  CHECK(c.security.require_signatures);
  REQUIRE(c.security.admin_api_keys.size() == 1);
  CHECK(c.security.admin_api_keys[0] == "0123456789abcdef0123");
  REQUIRE(c.security.keys.size() == 1);
  CHECK(c.security.keys[0].account == "alice.near");
  CHECK(c.security.keys[0].public_key == key_hex);
  config again = parse(to_yaml(c));
  CHECK(again.security.keys[0].public_key == key_hex);
  CHECK(again.security.admin_api_keys == c.security.admin_api_keys);
  CHECK(again.security.require_signatures);
}

TEST_CASE("bad security values name their key path") {
  CHECK(error_of("security:\n  admin_api_keys: [short]\n")
            .rfind("security.admin_api_keys (line 2): each key must be at "
                   "least 16 characters",
                   0) == 0);
  CHECK(error_of("security:\n  keys:\n    - { account: a.near, public_key: "
                 "xyz }\n")
            .rfind("security.keys[0].public_key (line 3): must be 64 hex "
                   "digits",
                   0) == 0);
  CHECK(error_of("security:\n  keys:\n    - { account: a.near }\n")
            .find("security.keys[0] (line 3): missing required key "
                  "`public_key`") != std::string::npos);
  CHECK(error_of("security:\n  keys:\n    - { acount: a.near, public_key: " +
                 key_hex + " }\n")
            .find("did you mean `account`") != std::string::npos);
  CHECK(error_of("security:\n  keys: 3\n").find("expected a list of maps") !=
        std::string::npos);
  CHECK(error_of("security:\n  require_signature: true\n")
            .find("did you mean `require_signatures`") != std::string::npos);
}
