#pragma once

// The rules of RFC 9112 (HTTP/1.1 message framing) that intentd enforces on
// top of what Boost.Beast checks, as plain functions of what was received.
// The WebSocket rules (RFC 6455) are in runtime/ws/handshake.hpp.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>

namespace intentd::http_detail {

/// Why a request whose header was read cannot be served, or nullopt when it
/// may be. Refused: any Transfer-Encoding other than exactly `chunked`
/// (unknown codings, `chunked` not last, `chunked` twice), Transfer-Encoding
/// in an HTTP/1.0 request or together with Content-Length, an HTTP/1.1
/// request without Host, more than one Host, a Host that is not
/// `host[:port]`, and an absolute-form target that is not a valid http or
/// https URI. The connection is closed after the answer (a 400).
std::optional<std::string>
framing_problem(const boost::beast::http::request_header<>& req);

/// The target in origin form: as received when it starts with '/', the path
/// and query of an absolute-form `http://` or `https://` target (RFC 9112
/// §3.2.2; "/" when it has no path), nullopt when such a target has no host
/// or carries user information. Other forms are returned as received.
std::optional<std::string> origin_form(std::string_view target);

/// True when `value` is a valid Host header value: empty, or uri-host with
/// an optional `:port` (RFC 9110 §7.2, RFC 3986 §3.2.2).
bool valid_host(std::string_view value);

} // namespace intentd::http_detail
