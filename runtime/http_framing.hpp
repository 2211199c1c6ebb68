#pragma once

// The rules of RFC 9112 (HTTP/1.1 message framing) and RFC 6455 (the
// WebSocket handshake and close codes) that intentd enforces on top of what
// Boost.Beast checks, as plain functions of what was received.

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

/// True when `key` is a Sec-WebSocket-Key of RFC 6455 §4.2.1: the base64
/// encoding of 16 bytes (24 characters ending in "==").
bool valid_websocket_key(std::string_view key);

/// True when a peer may send `code` in a close frame (RFC 6455 §7.4): the
/// codes 1000-1003 and 1007-1013 and the ranges 3000-4999 for libraries and
/// applications.
bool valid_close_code(uint16_t code);

} // namespace intentd::http_detail
