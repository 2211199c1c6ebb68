#include "config/host_port.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace intentd::cfg {

namespace {

/// The port of `text`, or nothing when it is not 0 to 65535 in digits.
std::optional<uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5)
    return std::nullopt;
  uint32_t port = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    port = port * 10 + static_cast<uint32_t>(c - '0');
  }
  if (port > 65535)
    return std::nullopt;
  return static_cast<uint16_t>(port);
}

host_port_result failed(std::string error) {
  return {{}, std::move(error)};
}

} // namespace

host_port_result parse_host_port(std::string_view text,
                                 std::optional<uint16_t> default_port) {
  const std::string quoted = "\"" + std::string{text} + "\"";
  const std::string shape = "expected \"host:port\" such as \"127.0.0.1:8080\""
                            " or \"[::1]:8080\", got " +
                            quoted;
  std::string_view host;
  std::optional<std::string_view> port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos)
      return failed(shape);
    host = text.substr(1, close - 1);
    const auto rest = text.substr(close + 1);
    if (!rest.empty() && rest.front() != ':')
      return failed(shape);
    if (!rest.empty())
      port = rest.substr(1);
  } else {
    const auto colon = text.rfind(':');
    host = text.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = text.substr(colon + 1);
      if (host.find(':') != std::string_view::npos)
        return failed(
            "an IPv6 address needs brackets, as in \"[::1]:8080\", got " +
            quoted);
    }
  }
  if (host.empty())
    return failed(port ? "the host is empty in " + quoted +
                             "; use \"0.0.0.0:PORT\" to listen on every "
                             "interface"
                       : shape);
  if (!port && !default_port)
    return failed(shape);
  if (has_space(host))
    return failed("the host must not contain spaces, got " + quoted);
  host_port_result out;
  out.value.host = std::string{host};
  if (!port) {
    out.value.port = *default_port;
    return out;
  }
  auto number = parse_port(*port);
  if (!number)
    return failed("the port must be a number from 0 to 65535, got " + quoted);
  out.value.port = *number;
  return out;
}

bool is_ip_address(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  if (inet_pton(AF_INET, host.c_str(), buf) == 1)
    return true;
  // A scope ("%eth0", "%2") may follow a link-local IPv6 address.
  const auto percent = host.find('%');
  if (percent != std::string::npos && percent + 1 == host.size())
    return false;
  return inet_pton(AF_INET6, host.substr(0, percent).c_str(), buf) == 1;
}

bool has_space(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isspace(c) != 0 || std::iscntrl(c) != 0;
  });
}

} // namespace intentd::cfg
