#include <doctest/doctest.h>

#include "embed/embed_fixture.hpp"

TEST_CASE("a config from YAML is validated as the daemon validates it") {
  auto good = intentd::config::from_yaml("storage:\n  path: /tmp/x\n");
  REQUIRE(good);
  CHECK(good->storage_path() == "/tmp/x");

  auto typo =
      intentd::config::from_yaml("chain:\n  simulated:\n    latncy_ms: 5\n");
  REQUIRE_FALSE(typo);
  CHECK(typo.err().code == "invalid_config");
  CHECK(typo.err().message.find("chain.simulated.latncy_ms") !=
        std::string::npos);
  CHECK(typo.err().message.find("latency_ms") != std::string::npos);

  auto missing = intentd::config::from_file("/nonexistent/intentd.yaml");
  REQUIRE_FALSE(missing);
  CHECK(missing.err().message.find("/nonexistent/intentd.yaml") !=
        std::string::npos);
}

TEST_CASE("config::set takes dotted keys and refuses what the loader "
          "refuses, changing nothing") {
  intentd::config c;
  REQUIRE(c.set("storage.path", "/tmp/embed-set"));
  REQUIRE(c.set("chain.simulated.latency_ms", 7));
  REQUIRE(c.set("storage.sync", false));
  auto yaml = c.to_yaml();
  CHECK(yaml.find("latency_ms: 7") != std::string::npos);
  CHECK(c.storage_path() == "/tmp/embed-set");

  auto unknown = c.set("storage.pth", "/tmp/y");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.err().message.find("storage.pth") != std::string::npos);
  auto wrong_type = c.set("chain.simulated.latency_ms", "soon");
  REQUIRE_FALSE(wrong_type);
  CHECK(wrong_type.err().message.find("latency_ms") != std::string::npos);
  CHECK(c.to_yaml() == yaml); // unchanged by the refused sets
  CHECK_FALSE(c.set("", "1"));
  CHECK_FALSE(c.set("storage..path", "1"));

  // A copy is independent of its original.
  intentd::config copy = c;
  REQUIRE(copy.set("chain.simulated.latency_ms", 9));
  CHECK(c.to_yaml() == yaml);
}

TEST_CASE("an engine refuses a config start-up refuses, before touching "
          "storage") {
  intentd::config c;
  REQUIRE(c.set("server.listen", "localhost:8080")); // not an IP address
  CHECK_FALSE(c.problems().empty());
  auto e = intentd::engine::start(c);
  REQUIRE_FALSE(e);
  CHECK(e.err().code == "invalid_config");
  CHECK(e.err().message.find("server.listen") != std::string::npos);
}

TEST_CASE("log lines reach the embedder's sink") {
  std::mutex mu;
  std::vector<std::string> lines;
  intentd::set_log_sink(
      [&](intentd::log_level level, const std::string& line) {
        std::lock_guard<std::mutex> lock(mu);
        lines.push_back(std::string(intentd::to_string(level)) + " " + line);
      },
      intentd::log_level::info);
  embed_test::temp_dir dir("logs");
  auto c = embed_test::config_on(dir);
  REQUIRE(c.set("storage.sync", false)); // start-up warns about it
  {
    auto e = intentd::engine::start(c);
    REQUIRE(e);
    (*e)->stop();
  }
  intentd::set_log_sink(nullptr);
  std::lock_guard<std::mutex> lock(mu);
  CHECK_FALSE(lines.empty());
}
