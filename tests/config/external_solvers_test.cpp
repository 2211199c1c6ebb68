#include <doctest/doctest.h>

#include <string>

#include "config/load.hpp"
#include "parse_error.hpp"

using namespace intentd::cfg;
using intentd::cfg::test::error_of;

namespace {

const std::string key_a =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
const std::string key_b =
    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";

std::string with_external(const std::string& items) {
  return "solvers:\n  external:\n" + items;
}

} // namespace

TEST_CASE("external solvers: none by default, a one-second quote window, "
          "five seconds of reconnect grace") {
  config c = parse("{}");
  CHECK(c.solvers.external.empty());
  CHECK(c.solvers.quote_window_ms == 1000);
  CHECK(c.solvers.reconnect_grace_ms == 5000);
}

TEST_CASE("solvers.external reads id, key and account, and round-trips") {
  config c =
      parse(with_external("    - { solver_id: acme, public_key: " + key_a +
                          ", account: acme.near }\n" +
                          "    - { solver_id: Beta_2.x, public_key: " + key_b +
                          ", account: beta.near }\n") +
            "  quote_window_ms: 250\n  reconnect_grace_ms: 0\n");
  REQUIRE(c.solvers.external.size() == 2);
  CHECK(c.solvers.external[0].solver_id == "acme");
  CHECK(c.solvers.external[0].public_key == key_a);
  CHECK(c.solvers.external[0].account == "acme.near");
  CHECK(c.solvers.external[1].solver_id == "Beta_2.x");
  CHECK(c.solvers.quote_window_ms == 250);
  CHECK(c.solvers.reconnect_grace_ms == 0);
  config again = parse(to_yaml(c));
  REQUIRE(again.solvers.external.size() == 2);
  CHECK(again.solvers.external[1].public_key == key_b);
  CHECK(again.solvers.external[1].account == "beta.near");
  CHECK(again.solvers.quote_window_ms == 250);
  CHECK(again.solvers.reconnect_grace_ms == 0);
  CHECK(to_yaml(again) == to_yaml(c));
}

TEST_CASE("bad external solvers name their key path") {
  CHECK(error_of(with_external("    - { solver_id: acme, public_key: xyz, "
                               "account: acme.near }\n"))
            .rfind("solvers.external[0].public_key (line 3): must be 64 hex "
                   "digits",
                   0) == 0);
  CHECK(error_of(with_external("    - { solver_id: acme, public_key: " + key_a +
                               ", account: \"\" }\n"))
            .rfind("solvers.external[0].account (line 3):", 0) == 0);
  CHECK(error_of(with_external("    - { solver_id: \"a b\", public_key: " +
                               key_a + ", account: acme.near }\n"))
            .rfind("solvers.external[0].solver_id (line 3): expected 1 to 64 "
                   "characters",
                   0) == 0);
  CHECK(error_of(with_external("    - { solver_id: acme, public_key: " + key_a +
                               " }\n"))
            .find("solvers.external[0] (line 3): missing required key "
                  "`account`") != std::string::npos);
  CHECK(error_of(with_external("    - { solver_id: acme, publickey: " + key_a +
                               ", account: acme.near }\n"))
            .find("did you mean `public_key`") != std::string::npos);
  CHECK(error_of("solvers:\n  external: acme\n")
            .find("expected a list of maps") != std::string::npos);
}

TEST_CASE("two external solvers may share neither an id nor a key") {
  CHECK(error_of(with_external("    - { solver_id: acme, public_key: " + key_a +
                               ", account: a.near }\n" +
                               "    - { solver_id: acme, public_key: " + key_b +
                               ", account: b.near }\n"))
            .rfind("solvers.external (line 2): external[1] has the same "
                   "solver_id as external[0] (\"acme\")",
                   0) == 0);
  std::string upper = key_a;
  for (char& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(error_of(with_external("    - { solver_id: acme, public_key: " + key_a +
                               ", account: a.near }\n" +
                               "    - { solver_id: beta, public_key: " + upper +
                               ", account: b.near }\n"))
            .rfind("solvers.external (line 2): external[1] has the same "
                   "public_key as external[0]",
                   0) == 0);
}

TEST_CASE("solvers.quote_window_ms has a sane range") {
  CHECK(error_of("solvers:\n  quote_window_ms: 5\n")
            .rfind("solvers.quote_window_ms (line 2): must be between 10 and "
                   "60000",
                   0) == 0);
  CHECK(error_of("solvers:\n  quote_window_ms: 60001\n")
            .rfind("solvers.quote_window_ms (line 2):", 0) == 0);
  CHECK(parse("solvers:\n  quote_window_ms: 60000\n").solvers.quote_window_ms ==
        60000);
}

TEST_CASE("solvers.reconnect_grace_ms is 0 (off) to a minute") {
  CHECK(
      parse("solvers:\n  reconnect_grace_ms: 0\n").solvers.reconnect_grace_ms ==
      0);
  CHECK(parse("solvers:\n  reconnect_grace_ms: 60000\n")
            .solvers.reconnect_grace_ms == 60000);
  CHECK(error_of("solvers:\n  reconnect_grace_ms: 60001\n")
            .rfind("solvers.reconnect_grace_ms (line 2): must be between 0 "
                   "and 60000",
                   0) == 0);
  CHECK(error_of("solvers:\n  reconect_grace_ms: 100\n")
            .find("did you mean `reconnect_grace_ms`") != std::string::npos);
}
