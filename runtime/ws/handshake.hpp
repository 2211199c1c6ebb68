#pragma once

// The rules of RFC 6455 (the WebSocket handshake and close codes) that
// intentd enforces on top of what Boost.Beast checks, as plain functions of
// what was received.

#include <cstdint>
#include <string_view>

namespace intentd::ws_detail {

/// True when `key` is a Sec-WebSocket-Key of RFC 6455 §4.2.1: the base64
/// encoding of 16 bytes (24 characters ending in "==").
bool valid_websocket_key(std::string_view key);

/// True when a peer may send `code` in a close frame (RFC 6455 §7.4): the
/// codes 1000-1003 and 1007-1013 and the ranges 3000-4999 for libraries and
/// applications.
bool valid_close_code(uint16_t code);

} // namespace intentd::ws_detail
