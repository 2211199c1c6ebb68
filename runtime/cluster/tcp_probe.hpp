#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace intentd {

/// True when a TCP connection to host:port opens within `timeout` (it is
/// closed at once). Blocks for up to `timeout`: call it off the cooperative
/// scheduler. The membership probes a node this way before it asks CAF's
/// middleman to connect, whose connect blocks the middleman for as long as
/// the kernel keeps trying a host that does not answer.
bool tcp_reachable(const std::string& host, uint16_t port,
                   std::chrono::milliseconds timeout);

} // namespace intentd
