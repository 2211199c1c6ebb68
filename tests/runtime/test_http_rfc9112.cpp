#include <doctest/doctest.h>

#include <future>
#include <string>

#include "tests/runtime/http_fixture.hpp"
#include "tests/runtime/raw_client.hpp"

using namespace intentd;
using namespace intentd::test;

namespace {

const std::string smuggled = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

std::string chunked(const std::string& body) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx", body.size());
  return std::string{size} + "\r\n" + body + "\r\n";
}

std::string post_head(const std::string& framing) {
  return "POST /api/v1/intents HTTP/1.1\r\nHost: x\r\n"
         "Content-Type: application/json\r\n" +
         framing + "\r\n";
}

} // namespace

TEST_CASE("a chunked request's trailer fields count against header_limit") {
  server_fixture f; // header_limit 8192
  SUBCASE("a few trailer fields are read and the request served") {
    raw_client c{f.port()};
    c.send(post_head("Transfer-Encoding: chunked\r\n") +
           chunked(swap_body("tr-1")) + "0\r\nX-Checksum: abc\r\n\r\n" +
           "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    auto got = split_responses(c.read_all());
    REQUIRE(got.size() == 2);
    CHECK(got[0].status == 202);
    CHECK(got[1].status == 200);
  }
  SUBCASE("16 MB of trailer fields get 431 and the connection closes") {
    std::string line = "X-T: " + std::string(58, 'a') + "\r\n"; // 65 bytes
    std::string trailers;
    trailers.reserve(16u << 20);
    while (trailers.size() < (16u << 20))
      trailers += line;
    // Connected once the bytes are ready: building them can take longer
    // than the 200 ms the server waits for a new connection's first bytes
    // (under a sanitizer), and an idle close is not what this case checks.
    raw_client c{f.port()};
    c.send(post_head("Transfer-Encoding: chunked\r\n") +
           chunked(swap_body("tr-2")) + "0\r\n");
    // A piece at a time, until the server answers: a client still sending
    // when the server gives up draining would get a reset, not the answer.
    std::string bytes;
    size_t sent = 0;
    bool open = true;
    while (open && bytes.empty() && sent < trailers.size()) {
      auto piece = std::string_view{trailers}.substr(sent, 64 * 1024);
      auto n = c.send(piece);
      sent += n;
      if (n < piece.size())
        break;
      open = c.poll(bytes, 20ms);
    }
    CHECK(c.read_until_closed(bytes));
    auto got = split_responses(bytes);
    REQUIRE(got.size() == 1);
    CHECK(got[0].status == 431);
    CHECK(got[0].header("connection") == "close");
    // The server stopped reading long before the end.
    CHECK(sent < trailers.size());
    CHECK(request(f.port(), verb::get, "/api/v1/intents/tr-2").status == 404);
  }
  SUBCASE("a trailer field never stands in for a header field") {
    raw_client c{f.port()};
    c.send("POST /api/v1/intents HTTP/1.1\r\nHost: x\r\n"
           "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
           chunked(swap_body("tr-4")) +
           "0\r\nContent-Type: application/json\r\n\r\n");
    auto got = split_responses(c.read_all());
    REQUIRE(got.size() == 1);
    CHECK(got[0].status == 415);
  }
  SUBCASE("trailers that fit alone but not with the header are refused") {
    raw_client c{f.port()};
    std::string header_pad = "X-Pad: " + std::string(5000, 'p') + "\r\n";
    std::string trailer = "X-T: " + std::string(4000, 't') + "\r\n";
    c.send(post_head("Transfer-Encoding: chunked\r\n" + header_pad) +
           chunked(swap_body("tr-3")) + "0\r\n" + trailer + "\r\n");
    auto got = split_responses(c.read_all());
    REQUIRE(got.size() == 1);
    CHECK(got[0].status == 431);
  }
  SUBCASE("a chunk line that never ends is refused too") {
    raw_client c{f.port()};
    c.send(post_head("Transfer-Encoding: chunked\r\n") +
           "10;ext=" + std::string(20000, 'e'));
    auto got = split_responses(c.read_all());
    REQUIRE(got.size() == 1);
    CHECK(got[0].status == 431);
  }
}

TEST_CASE("Transfer-Encoding other than chunked alone is 400 and the "
          "connection closes before the smuggled request") {
  server_fixture f;
  const char* framings[] = {
      "Transfer-Encoding: gzip\r\n",
      "Transfer-Encoding: identity\r\n",
      "Transfer-Encoding: chunked, gzip\r\n",
      "Transfer-Encoding: gzip, chunked\r\n",
      "Transfer-Encoding: chunked, chunked\r\n",
      "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
      "Transfer-Encoding: gzip\r\nContent-Length: 0\r\n",
      "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n",
      "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n",
      "Content-Length: 0\r\nTransfer-Encoding: gzip\r\n",
  };
  for (auto framing : framings) {
    CAPTURE(framing);
    raw_client c{f.port()};
    c.send(post_head(framing) + smuggled);
    auto got = split_responses(c.read_all());
    REQUIRE(got.size() == 1);
    CHECK(got[0].status == 400);
    CHECK(got[0].header("connection") == "close");
  }
  // HTTP/1.0 with Transfer-Encoding, even chunked.
  raw_client c{f.port()};
  c.send("POST /api/v1/intents HTTP/1.0\r\nHost: x\r\nConnection: keep-alive"
         "\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" +
         smuggled);
  auto got = split_responses(c.read_all());
  REQUIRE(got.size() == 1);
  CHECK(got[0].status == 400);
}

TEST_CASE("HTTP/1.1 needs one valid Host; HTTP/1.0 may go without") {
  server_fixture f;
  for (auto hosts : {"", "Host: a\r\nHost: a\r\n", "Host: a b\r\n"}) {
    CAPTURE(hosts);
    raw_client c{f.port()};
    c.send(std::string{"GET /healthz HTTP/1.1\r\n"} + hosts + "\r\n" +
           smuggled);
    auto got = split_responses(c.read_all());
    REQUIRE(got.size() == 1);
    CHECK(got[0].status == 400);
  }
  raw_client c{f.port()};
  c.send("GET /healthz HTTP/1.0\r\n\r\n");
  auto got = split_responses(c.read_all());
  REQUIRE(got.size() == 1);
  CHECK(got[0].status == 200);
}

TEST_CASE("an absolute-form target is served as its path") {
  server_fixture f;
  raw_client c{f.port()};
  auto port = std::to_string(f.port());
  c.send("GET http://127.0.0.1:" + port +
         "/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
         "GET HTTP://127.0.0.1:" +
         port +
         "/api/v1/intents/none HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
         "GET http://user@127.0.0.1/healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  auto got = split_responses(c.read_all());
  REQUIRE(got.size() == 3);
  CHECK(got[0].status == 200);
  CHECK(got[0].body == R"({"status":"ok"})");
  CHECK(got[1].status == 404);
  CHECK(got[2].status == 400);
}

TEST_CASE("HEAD is answered with a GET's headers and no body, and a "
          "pipelined connection keeps its framing") {
  server_fixture f;
  raw_client c{f.port()};
  c.send("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
         "HEAD /api/v1/intents/x/cancel HTTP/1.1\r\nHost: x\r\n\r\n"
         "HEAD /nope HTTP/1.1\r\nHost: x\r\n\r\n"
         "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto bytes = c.read_all();
  auto got = split_responses(bytes, {true, true, true, false});
  REQUIRE(got.size() == 4);
  CHECK(got[0].status == 200);
  CHECK(got[0].body.empty());
  CHECK(got[3].status == 200);
  CHECK(got[0].header("content-length") == std::to_string(got[3].body.size()));
  CHECK(got[0].header("content-type") == got[3].header("content-type"));
  CHECK(got[1].status == 405);
  CHECK(got[1].header("allow") == "POST");
  CHECK(got[1].body.empty());
  CHECK(got[2].status == 404);
  CHECK(got[2].body.empty());
  // A 405 for a GET-only route names HEAD as allowed.
  auto wrong = request(f.port(), verb::post, "/healthz", "{}");
  CHECK(wrong.status == 405);
  CHECK(wrong.header("Allow") == "GET, HEAD");
}

TEST_CASE("every byte of the header block counts against header_limit") {
  server_fixture f; // header_limit 8192
  std::string fields;
  // 10 KB: more than 8192, less than the 4096 bytes of a first read plus
  // 8192, which Beast counting afresh each time let through.
  for (int i = 0; fields.size() < 10'000; ++i)
    fields += "X-H" + std::to_string(i) + ": v\r\n";
  raw_client c{f.port()};
  c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n");
  auto got = split_responses(c.read_all());
  REQUIRE(got.size() == 1);
  CHECK(got[0].status == 431);
  // Sent in pieces, a header just under the limit is served.
  std::string fits =
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(8100, 'p') +
      "\r\nConnection: close\r\n\r\n";
  REQUIRE(fits.size() <= 8192);
  raw_client slow{f.port()};
  for (size_t i = 0; i < fits.size(); i += 1000)
    slow.send(fits.substr(i, 1000));
  auto served = split_responses(slow.read_all());
  REQUIRE(served.size() == 1);
  CHECK(served[0].status == 200);
}

TEST_CASE("a WebSocket handshake with a key that is not base64 of 16 bytes "
          "is 400") {
  server_fixture f;
  auto handshake = [&](const std::string& key) {
    raw_client c{f.port()};
    c.send("GET /api/v1/ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
           "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
           "Sec-WebSocket-Key: " +
           key + "\r\n\r\n");
    std::string bytes;
    c.read_until_closed(bytes);
    return bytes.substr(0, 12);
  };
  for (auto bad : {"abc", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZXh4",
                   "!!!!!!!!!!!!!!!!!!!!!!=="}) {
    CAPTURE(bad);
    CHECK(handshake(bad) == "HTTP/1.1 400");
  }
  CHECK(handshake("dGhlIHNhbXBsZSBub25jZQ==") == "HTTP/1.1 101");
}
