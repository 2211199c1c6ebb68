#include <doctest/doctest.h>

#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "config/schema.hpp"

using namespace intentd::cfg;

namespace {

/// Walks the schema's inspect functions and collects every key as a dotted
/// path: `server.listen`, `chain.simulated.seed`; the keys of a list's items
/// as `rate_limits.rules[].name`. A section itself is no key.
class path_lister {
public:
  explicit path_lister(std::vector<std::string>& out, std::string prefix = {})
      : out_(out), prefix_(std::move(prefix)) {
    // nop
  }

  template<class T, class Check = no_check>
  void field(const char* name, T&, Check = {}) {
    out_.push_back(prefix_ + name);
  }

  template<class T>
  void section(const char* name, T& x) {
    path_lister nested{out_, prefix_ + name + "."};
    inspect(nested, x);
  }

  void tokens(const char* name, std::vector<token>&) {
    out_.push_back(prefix_ + name);
  }

  template<class T>
  void list(const char* name, std::vector<T>&) {
    out_.push_back(prefix_ + name);
    T probe;
    path_lister nested{out_, prefix_ + name + "[]."};
    inspect(nested, probe);
  }

  void require(bool, std::initializer_list<const char*>, const std::string&) {
    // nop
  }

private:
  std::vector<std::string>& out_;
  std::string prefix_;
};

std::string read_text(const std::string& path) {
  std::ifstream in{path};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace

TEST_CASE("docs/configuration.md documents every key of config/schema.hpp") {
  std::vector<std::string> keys;
  config probe;
  path_lister lister{keys};
  inspect(lister, probe);
  REQUIRE(keys.size() > 50);
  const auto doc = read_text(INTENTD_SOURCE_DIR "/docs/configuration.md");
  REQUIRE_MESSAGE(!doc.empty(), "cannot read docs/configuration.md");
  for (const auto& key : keys) {
    CAPTURE(key);
    // Each key has a table row of its own: "| `server.listen` |".
    CHECK_MESSAGE(doc.find("| `" + key + "` |") != std::string::npos,
                  "docs/configuration.md has no row for `" << key << "`");
  }
}
