#include "runtime/ctl/http_call.hpp"

#include <chrono>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "config/host_port.hpp"

namespace intentd::ctl {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

/// The authority of "http://host[:port][/...]" as written (for the Host
/// header) and its host and port (80 when left out).
struct daemon_address {
  std::string authority;
  cfg::host_port where;
};

daemon_address split_url(const std::string& url) {
  constexpr std::string_view scheme = "http://";
  if (url.compare(0, scheme.size(), scheme) != 0)
    throw std::runtime_error("the URL must start with http://: " + url);
  auto rest = url.substr(scheme.size());
  if (auto slash = rest.find('/'); slash != std::string::npos)
    rest.resize(slash);
  auto parsed = cfg::parse_host_port(rest, uint16_t{80});
  if (!parsed.ok())
    throw std::runtime_error("bad daemon URL " + url + ": " + parsed.error);
  return {rest, std::move(parsed.value)};
}

} // namespace

http_answer http_call(const std::string& url, const std::string& method,
                      const std::string& target, const std::string& body,
                      const std::string& api_key) {
  auto address = split_url(url);
  net::io_context ioc;
  tcp::resolver resolver{ioc};
  beast::tcp_stream stream{ioc};
  stream.expires_after(std::chrono::seconds{30});
  beast::error_code ec;
  auto endpoints = resolver.resolve(address.where.host,
                                    std::to_string(address.where.port), ec);
  if (!ec)
    stream.connect(endpoints, ec);
  if (ec)
    throw std::runtime_error("cannot reach " + url + ": " + ec.message());
  http::request<http::string_body> req{http::string_to_verb(method), target,
                                       11};
  req.set(http::field::host, address.authority);
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
