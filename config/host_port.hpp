#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace intentd::cfg {

/// A host and a port; an IPv6 host without its brackets.
struct host_port {
  std::string host;
  uint16_t port = 0;
};

/// What parse_host_port made of a text: the host and port, or a sentence
/// saying what is wrong, quoting the text.
struct host_port_result {
  host_port value; // meaningful only when ok()
  std::string error;

  bool ok() const { return error.empty(); }
};

/// Parses "host:port", an IPv6 host in brackets ("[::1]:8080"). The host is
/// not empty and holds no space; the port is 0 to 65535 in decimal digits.
/// With `default_port` the port and its colon may be left out ("host",
/// "[::1]"). Used for server.listen and intentctl's daemon URLs.
host_port_result parse_host_port(std::string_view text,
                                 std::optional<uint16_t> default_port = {});

/// True for an IPv4 address ("127.0.0.1") or an IPv6 address without
/// brackets ("::1", "fe80::1%eth0").
bool is_ip_address(const std::string& host);

/// True when `text` holds a whitespace or control character (refused in
/// hosts and in other single-token config values).
bool has_space(std::string_view text);

} // namespace intentd::cfg
