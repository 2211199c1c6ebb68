#include "runtime/ctl/http_call.hpp"

#include <chrono>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace intentd::ctl {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

/// Host and port of "http://host:port[/]".
std::pair<std::string, std::string> split_url(const std::string& url) {
  constexpr std::string_view scheme = "http://";
  if (url.compare(0, scheme.size(), scheme) != 0)
    throw std::runtime_error("the URL must start with http://: " + url);
  auto rest = url.substr(scheme.size());
  if (auto slash = rest.find('/'); slash != std::string::npos)
    rest.resize(slash);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos)
    return {rest, "80"};
  return {rest.substr(0, colon), rest.substr(colon + 1)};
}

} // namespace

http_answer http_call(const std::string& url, const std::string& method,
                      const std::string& target, const std::string& body,
                      const std::string& api_key) {
  auto [host, port] = split_url(url);
  net::io_context ioc;
  tcp::resolver resolver{ioc};
  beast::tcp_stream stream{ioc};
  stream.expires_after(std::chrono::seconds{30});
  beast::error_code ec;
  auto endpoints = resolver.resolve(host, port, ec);
  if (!ec)
    stream.connect(endpoints, ec);
  if (ec)
    throw std::runtime_error("cannot reach " + url + ": " + ec.message());
  http::request<http::string_body> req{http::string_to_verb(method), target,
                                       11};
  req.set(http::field::host, host);
  req.set(http::field::user_agent, "intentctl");
  if (!body.empty())
    req.set(http::field::content_type, "application/json");
  if (!api_key.empty())
    req.set(http::field::authorization, "Bearer " + api_key);
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req, ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  if (!ec)
    http::read(stream, buffer, res, ec);
  if (ec)
    throw std::runtime_error("request to " + url + " failed: " + ec.message());
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return {res.result_int(), std::move(res.body())};
}

} // namespace intentd::ctl
