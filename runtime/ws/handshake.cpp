#include "runtime/ws/handshake.hpp"

#include <cctype>

namespace intentd::ws_detail {

bool valid_websocket_key(std::string_view key) {
  if (key.size() != 24 || key.substr(22) != "==")
    return false;
  for (char c : key.substr(0, 22))
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/')
      return false;
  return true;
}

bool valid_close_code(uint16_t code) {
  if (code >= 3000 && code <= 4999)
    return true;
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1013);
}

} // namespace intentd::ws_detail
