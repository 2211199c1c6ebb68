#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace intentd::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using verb = http::verb;

/// A response as a test sees it.
struct http_response {
  unsigned status = 0;
  std::string body;
  http::fields headers;
  bool keep_alive = false;

  std::string header(std::string_view name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string{} : std::string{it->value()};
  }
  nlohmann::json json() const { return nlohmann::json::parse(body); }
};

/// A client connection to 127.0.0.1:port. Every operation is bounded by
/// `timeout` and throws std::runtime_error when it fails or runs out.
class http_client {
public:
  explicit http_client(uint16_t port, std::chrono::milliseconds timeout =
                                          std::chrono::seconds{5})
      : stream_(ioc_), timeout_(timeout) {
    tcp::endpoint ep{net::ip::make_address("127.0.0.1"), port};
    run("connect", [&](auto done) { stream_.async_connect(ep, done); });
  }

  /// Sends one request on this connection and reads its response.
  http_response
  send(verb method, std::string target, std::string body = {},
       std::string content_type = "application/json", bool keep_alive = true,
       const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers)
      req.set(name, value);
    if (!body.empty() || method == verb::post)
      req.set(http::field::content_type, content_type);
    req.body() = std::move(body);
    req.keep_alive(keep_alive);
    req.prepare_payload();
    run("write", [&](auto done) { http::async_write(stream_, req, done); });
    return read();
  }

  /// Writes raw bytes, e.g. half a request.
  void write_raw(const std::string& bytes) {
    run("write", [&](auto done) {
      net::async_write(stream_, net::buffer(bytes), done);
    });
  }

  /// Reads one response.
  http_response read() {
    http::response<http::string_body> res;
    run("read",
        [&](auto done) { http::async_read(stream_, buffer_, res, done); });
    http_response out;
    out.status = res.result_int();
    out.keep_alive = res.keep_alive();
    out.body = std::move(res.body());
    out.headers = std::move(res.base());
    return out;
  }

  /// True when the server closes the connection within the timeout,
  /// whatever it sends before.
  bool wait_closed() {
    beast::error_code result;
    bool finished = false;
    char scratch[4096];
    std::function<void()> next = [&] {
      stream_.async_read_some(net::buffer(scratch),
                              [&](beast::error_code ec, std::size_t) {
                                if (ec) {
                                  result = ec;
                                  finished = true;
                                  return;
                                }
                                next();
                              });
    };
    stream_.expires_after(timeout_);
    next();
    ioc_.restart();
    ioc_.run();
    return finished && result != beast::error::timeout;
  }

  /// The local port, to tell connections apart.
  uint16_t local_port() const {
    return stream_.socket().local_endpoint().port();
  }

private:
  template<class Start>
  void run(const char* what, Start start) {
    beast::error_code result;
    stream_.expires_after(timeout_);
    start([&](beast::error_code ec, auto&&...) { result = ec; });
    ioc_.restart();
    ioc_.run();
    if (result)
      throw std::runtime_error(std::string{what} + ": " + result.message());
  }

  net::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::chrono::milliseconds timeout_;
};

/// One request on a fresh connection.
inline http_response request(uint16_t port, verb method, std::string target,
                             std::string body = {},
                             std::string content_type = "application/json") {
  http_client client{port};
  return client.send(method, std::move(target), std::move(body),
                     std::move(content_type), false);
}

} // namespace intentd::test
