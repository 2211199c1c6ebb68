#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "config/load.hpp"
#include "parse_error.hpp"

using namespace intentd::cfg;
using intentd::cfg::test::error_of;

namespace {

config example(const char* name) {
  namespace fs = std::filesystem;
  return load_file(
      (fs::path(__FILE__).parent_path() / "../../examples" / name).string());
}

} // namespace

TEST_CASE("read access defaults to owner with tokens of at most 900 s") {
  config c = parse("{}");
  CHECK(c.security.read_access == "owner");
  CHECK(c.security.read_token_max_ttl_s == 900);
}

TEST_CASE("read access is read, checked and round-trips") {
  config c = parse("security:\n"
                   "  read_access: open\n"
                   "  read_token_max_ttl_s: 120\n");
  CHECK(c.security.read_access == "open");
  CHECK(c.security.read_token_max_ttl_s == 120);
  config again = parse(to_yaml(c));
  CHECK(again.security.read_access == "open");
  CHECK(again.security.read_token_max_ttl_s == 120);
  CHECK(error_of("security:\n  read_access: owners\n")
            .rfind("security.read_access (line 2): unknown read access mode "
                   "\"owners\"; did you mean `owner`?",
                   0) == 0);
  CHECK(error_of("security:\n  read_token_max_ttl_s: 10\n")
            .rfind("security.read_token_max_ttl_s (line 2): must be between "
                   "60 s and 86400 s",
                   0) == 0);
}

TEST_CASE("the quick start reads openly, production by owner") {
  CHECK(example("intentd.yaml").security.read_access == "open");
  CHECK(example("production.yaml").security.read_access == "owner");
}
