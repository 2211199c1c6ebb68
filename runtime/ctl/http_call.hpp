#pragma once

#include <string>

namespace intentd::ctl {

/// What the daemon answered.
struct http_answer {
  unsigned status = 0;
  std::string body;
};

/// One synchronous HTTP/1.1 request to `url` ("http://host:port") plus
/// `target`; throws std::runtime_error when the daemon cannot be reached.
http_answer http_call(const std::string& url, const std::string& method,
                      const std::string& target, const std::string& body = {},
                      const std::string& api_key = {});

} // namespace intentd::ctl
