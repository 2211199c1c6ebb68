#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "runtime/model/rendezvous.hpp"

using namespace intentd;

namespace {

std::vector<std::string> node_names(std::size_t n) {
  std::vector<std::string> names;
  for (std::size_t i = 1; i <= n; ++i)
    names.push_back("n" + std::to_string(i));
  return names;
}

/// Ids shaped like the server's: "int_" and 36 hex digits.
std::vector<std::string> ids(std::size_t count) {
  std::mt19937_64 rng{20261207};
  std::vector<std::string> result;
  result.reserve(count);
  static constexpr char hex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < count; ++i) {
    std::string id = "int_";
    for (int d = 0; d < 36; ++d)
      id += hex[rng() & 0xf];
    result.push_back(std::move(id));
  }
  return result;
}

const std::string& owner(const std::string& key,
                         const std::vector<std::string>& nodes) {
  return nodes[rendezvous_owner(key, nodes)];
}

} // namespace

TEST_CASE("rendezvous weights and owners are fixed values") {
  // A change of hash would move every stored intent to another owner: these
  // values must never change.
  CHECK(rendezvous_weight("", "") == UINT64_C(0x25fc6dd36ce04b20));
  CHECK(rendezvous_weight("int_0", "n1") == UINT64_C(0xceaa25f91f9fba6e));
  CHECK(rendezvous_weight("alice.near", "n2") == UINT64_C(0x5df8d977d273b85c));
  // The NUL between node and key keeps ("n1", "2x") apart from ("n12", "x").
  CHECK(rendezvous_weight("2x", "n1") != rendezvous_weight("x", "n12"));
  const auto three = node_names(3);
  CHECK(owner("int_0", three) == "n3");
  CHECK(owner("int_1", three) == "n3");
  CHECK(owner("int_2", three) == "n2");
  CHECK(owner("alice.near", three) == "n2");
  CHECK(owner("bob.near", three) == "n3");
  CHECK(owner("int_00000000000000000000000000000000000a", node_names(5)) ==
        "n2");
}

TEST_CASE("one node owns everything") {
  const std::vector<std::string> one{"solo"};
  for (const auto& id : ids(100))
    CHECK(rendezvous_owner(id, one) == 0);
}

TEST_CASE("owners are balanced within 10% of the mean for 3 to 7 nodes") {
  const auto keys = ids(100'000);
  for (std::size_t n = 3; n <= 7; ++n) {
    CAPTURE(n);
    const auto nodes = node_names(n);
    std::vector<std::size_t> counts(n, 0);
    for (const auto& key : keys)
      ++counts[rendezvous_owner(key, nodes)];
    const double mean = static_cast<double>(keys.size()) / n;
    for (std::size_t i = 0; i < n; ++i) {
      CAPTURE(nodes[i]);
      CAPTURE(counts[i]);
      CHECK(static_cast<double>(counts[i]) >= mean * 0.9);
      CHECK(static_cast<double>(counts[i]) <= mean * 1.1);
    }
  }
}

TEST_CASE("adding a node moves only keys to it, about 1/(n+1) of them") {
  const auto keys = ids(100'000);
  for (std::size_t n = 2; n <= 7; ++n) {
    CAPTURE(n);
    const auto before = node_names(n);
    const auto after = node_names(n + 1);
    std::size_t moved = 0;
    for (const auto& key : keys) {
      const auto& was = owner(key, before);
      const auto& now = owner(key, after);
      if (was != now) {
        ++moved;
        CHECK(now == after.back());
      }
    }
    const double expected = static_cast<double>(keys.size()) / (n + 1);
    CAPTURE(moved);
    CHECK(static_cast<double>(moved) >= expected * 0.9);
    CHECK(static_cast<double>(moved) <= expected * 1.1);
  }
}

TEST_CASE("the order of the node list does not change the owner") {
  const auto keys = ids(2'000);
  auto nodes =
      std::vector<std::string>{"alpha", "bravo", "charlie", "delta", "echo"};
  std::vector<std::string> owners;
  for (const auto& key : keys)
    owners.push_back(owner(key, nodes));
  std::mt19937 rng{7};
  for (int round = 0; round < 5; ++round) {
    std::shuffle(nodes.begin(), nodes.end(), rng);
    for (std::size_t i = 0; i < keys.size(); ++i)
      REQUIRE(owner(keys[i], nodes) == owners[i]);
  }
}

TEST_CASE("a tie goes to the lower name") {
  // The same name twice weighs the same: the first index of the lower name.
  const std::vector<std::string> twice{"n2", "n1", "n1"};
  for (const auto& key : ids(200)) {
    const auto i = rendezvous_owner(key, twice);
    CHECK(i != 2);
  }
}
