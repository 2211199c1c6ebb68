#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include <boost/beast/http.hpp>

#include "runtime/http/framing.hpp"
#include "runtime/ws/handshake.hpp"

using namespace intentd::http_detail;
using namespace intentd::ws_detail;
namespace http = boost::beast::http;

namespace {

using fields = std::vector<std::pair<std::string, std::string>>;

http::request_header<> header(const fields& fs, unsigned version = 11,
                              std::string target = "/healthz") {
  http::request_header<> h;
  h.method(http::verb::post);
  h.target(target);
  h.version(version);
  for (const auto& [name, value] : fs)
    h.insert(name, value);
  return h;
}

} // namespace

TEST_CASE("framing: Transfer-Encoding is chunked alone, or the request is "
          "refused") {
  CHECK_FALSE(framing_problem(header({{"Host", "x"}})));
  CHECK_FALSE(
      framing_problem(header({{"Host", "x"}, {"Content-Length", "3"}})));
  CHECK_FALSE(framing_problem(
      header({{"Host", "x"}, {"Transfer-Encoding", "chunked"}})));
  CHECK_FALSE(framing_problem(
      header({{"Host", "x"}, {"Transfer-Encoding", "Chunked"}})));
  for (auto te : {"gzip", "identity", "chunked, gzip", "gzip, chunked",
                  "chunked, chunked", "chunked;x=1", "", " , "}) {
    CAPTURE(te);
    CHECK(framing_problem(header({{"Host", "x"}, {"Transfer-Encoding", te}})));
  }
  // Two fields are one list.
  CHECK(framing_problem(header({{"Host", "x"},
                                {"Transfer-Encoding", "gzip"},
                                {"Transfer-Encoding", "chunked"}})));
  // With Content-Length, in either order.
  CHECK(framing_problem(header({{"Host", "x"},
                                {"Content-Length", "5"},
                                {"Transfer-Encoding", "chunked"}})));
  CHECK(framing_problem(header({{"Host", "x"},
                                {"Transfer-Encoding", "chunked"},
                                {"Content-Length", "5"}})));
  // Not in HTTP/1.0.
  CHECK(framing_problem(
      header({{"Host", "x"}, {"Transfer-Encoding", "chunked"}}, 10)));
}

TEST_CASE("framing: HTTP/1.1 needs exactly one valid Host") {
  CHECK(*framing_problem(header({})) ==
        "An HTTP/1.1 request needs a Host header.");
  CHECK_FALSE(framing_problem(header({}, 10)));
  CHECK(framing_problem(header({{"Host", "a"}, {"Host", "a"}})));
  CHECK(framing_problem(header({{"Host", "a b"}})));
  CHECK_FALSE(framing_problem(header({{"Host", ""}})));
  for (auto good : {"example.com", "example.com:8080", "127.0.0.1:80",
                    "[::1]:8080", "[::1]", "a-b.c_d~e", "h%41st", "x:"}) {
    CAPTURE(good);
    CHECK(valid_host(good));
  }
  for (auto bad : {"a b", "a/b", "user@host", "host:8a", "[::1", "[::1]x",
                   "a:b:c", "h%4", "h%zz", "[]"}) {
    CAPTURE(bad);
    CHECK_FALSE(valid_host(bad));
  }
}

TEST_CASE("framing: an absolute-form target becomes its path and query") {
  CHECK(origin_form("/healthz") == "/healthz");
  CHECK(origin_form("http://127.0.0.1:8080/healthz") == "/healthz");
  CHECK(origin_form("HTTPS://example.com/api/v1/intents?user=a") ==
        "/api/v1/intents?user=a");
  CHECK(origin_form("http://example.com") == "/");
  CHECK(origin_form("http://example.com?x=1") == "/?x=1");
  CHECK(origin_form("http://[::1]:80/readyz") == "/readyz");
  CHECK_FALSE(origin_form("http:///healthz"));
  CHECK_FALSE(origin_form("http://:80/healthz"));
  CHECK_FALSE(origin_form("http://user@example.com/healthz"));
  CHECK_FALSE(origin_form("http://exa mple.com/healthz"));
  // Other forms reach the router as they are (and find no route there).
  CHECK(origin_form("*") == "*");
  CHECK(origin_form("example.com:443") == "example.com:443");
  CHECK(framing_problem(header({{"Host", "x"}}, 11, "http://u@x/healthz")));
}

TEST_CASE("websocket: a key is the base64 of 16 bytes") {
  CHECK(valid_websocket_key("dGhlIHNhbXBsZSBub25jZQ=="));
  CHECK(valid_websocket_key("AAAAAAAAAAAAAAAAAAAAAA=="));
  CHECK(valid_websocket_key("++++////0000zzzzZZZZ99=="));
  for (auto bad :
       {"", "abc", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZQ=",
        "dGhlIHNhbXBsZSBub25jZQ===", "dGhlIHNhbXBsZSBub25jZ===",
        "dGhlIHNhbXBsZSBub25jZQ-=", "dGhlIHNhbXBsZSBub25j ZQ==",
        "dGhlIHNhbXBsZSBub25jZXh4eA=", "dGhlIHNhbXBsZSBub25jZXh4"}) {
    CAPTURE(bad);
    CHECK_FALSE(valid_websocket_key(bad));
  }
}

TEST_CASE("websocket: close codes a peer may send") {
  for (uint16_t ok : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011,
                      1012, 1013, 3000, 3999, 4000, 4999}) {
    CAPTURE(ok);
    CHECK(valid_close_code(ok));
  }
  for (uint16_t bad :
       {0, 999, 1004, 1005, 1006, 1014, 1015, 1016, 2000, 2999, 5000, 65535}) {
    CAPTURE(bad);
    CHECK_FALSE(valid_close_code(bad));
  }
}
