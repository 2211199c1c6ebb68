#pragma once

#include <optional>
#include <string>
#include <vector>

#include "runtime/http/router.hpp"

namespace intentd {

/// Who may call the admin endpoints. With `keys`, a request must present
/// one of them as `Authorization: Bearer <key>` or `X-API-Key: <key>`:
/// 401 unauthorized without one, 403 forbidden with another. Without keys,
/// only loopback clients may (403 for everyone else).
/// nullopt when the request may go on, else the reply to send.
std::optional<http_reply> check_admin(const http_request& req,
                                      const std::vector<std::string>& keys);

} // namespace intentd
