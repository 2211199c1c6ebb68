#include <doctest/doctest.h>

#include <string>

#include "config/host_port.hpp"

using namespace intentd::cfg;

TEST_CASE("host:port gives its host and port") {
  auto p = parse_host_port("127.0.0.1:8080");
  REQUIRE(p.ok());
  CHECK(p.value.host == "127.0.0.1");
  CHECK(p.value.port == 8080);
  p = parse_host_port("example.com:0");
  REQUIRE(p.ok());
  CHECK(p.value.host == "example.com");
  CHECK(p.value.port == 0);
  p = parse_host_port("0.0.0.0:65535");
  REQUIRE(p.ok());
  CHECK(p.value.port == 65535);
}

TEST_CASE("an IPv6 host comes in brackets and leaves them off") {
  auto p = parse_host_port("[::1]:8080");
  REQUIRE(p.ok());
  CHECK(p.value.host == "::1");
  CHECK(p.value.port == 8080);
  p = parse_host_port("[fe80::1%eth0]:1");
  REQUIRE(p.ok());
  CHECK(p.value.host == "fe80::1%eth0");
  CHECK(parse_host_port("::1:8080").error ==
        "an IPv6 address needs brackets, as in \"[::1]:8080\", got "
        "\"::1:8080\"");
}

TEST_CASE("what is no host:port is refused with a sentence quoting it") {
  for (const char* bad :
       {"", "8080", ":8080", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:80a",
        "::1:8080", "[::1]8080", "[]:80", "[::1", "[::1]",
        "[::1]:", "my host:80", "h:123456", "h:-1", "h: 80"}) {
    CAPTURE(bad);
    auto p = parse_host_port(bad);
    CHECK_FALSE(p.ok());
    CHECK(p.error.find("\"" + std::string{bad} + "\"") != std::string::npos);
  }
  CHECK(parse_host_port(":8080").error ==
        "the host is empty in \":8080\"; use \"0.0.0.0:PORT\" to listen on "
        "every interface");
  CHECK(parse_host_port("h:70000").error ==
        "the port must be a number from 0 to 65535, got \"h:70000\"");
  CHECK(parse_host_port("a b:1").error ==
        "the host must not contain spaces, got \"a b:1\"");
  CHECK(parse_host_port("8080").error ==
        "expected \"host:port\" such as \"127.0.0.1:8080\" or \"[::1]:8080\", "
        "got \"8080\"");
}

TEST_CASE("with a default port the port may be left out") {
  auto p = parse_host_port("localhost", uint16_t{80});
  REQUIRE(p.ok());
  CHECK(p.value.host == "localhost");
  CHECK(p.value.port == 80);
  p = parse_host_port("[::1]", uint16_t{80});
  REQUIRE(p.ok());
  CHECK(p.value.host == "::1");
  CHECK(p.value.port == 80);
  p = parse_host_port("localhost:9000", uint16_t{80});
  REQUIRE(p.ok());
  CHECK(p.value.port == 9000);
  CHECK_FALSE(parse_host_port("", uint16_t{80}).ok());
  CHECK_FALSE(parse_host_port("[::1]x", uint16_t{80}).ok());
  CHECK_FALSE(parse_host_port("localhost:", uint16_t{80}).ok());
}

TEST_CASE("IP addresses are told from host names") {
  for (const char* ip :
       {"127.0.0.1", "0.0.0.0", "::1", "::", "fe80::1%eth0", "2001:db8::7"}) {
    CAPTURE(ip);
    CHECK(is_ip_address(ip));
  }
  for (const char* name : {"", "localhost", "example.com", "127.1", "[::1]",
                           "fe80::1%", "256.0.0.1"}) {
    CAPTURE(name);
    CHECK_FALSE(is_ip_address(name));
  }
}
