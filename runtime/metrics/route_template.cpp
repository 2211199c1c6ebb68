#include "runtime/metrics/engine_metrics.hpp"

namespace intentd {

std::string route_template(std::string_view path) {
  path = path.substr(0, path.find('?'));
  std::vector<std::string_view> segs;
  if (path.empty() || path.front() != '/')
    return "other";
  path.remove_prefix(1);
  while (true) {
    auto slash = path.find('/');
    segs.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos)
      break;
    path.remove_prefix(slash + 1);
  }
  auto n = segs.size();
  if (n == 1 &&
      (segs[0] == "healthz" || segs[0] == "readyz" || segs[0] == "metrics"))
    return "/" + std::string{segs[0]};
  if (n < 3 || segs[0] != "api" || segs[1] != "v1")
    return "other";
  const auto& res = segs[2];
  if (res == "intents") {
    if (n == 3)
      return "/api/v1/intents";
    if (n == 5 && segs[3] == "by-tx")
      return "/api/v1/intents/by-tx/{hash}";
    if (n == 4)
      return "/api/v1/intents/{id}";
    if (n == 5 && segs[4] == "cancel")
      return "/api/v1/intents/{id}/cancel";
  } else if (res == "dead-letters") {
    if (n == 3)
      return "/api/v1/dead-letters";
    if (n == 4)
      return "/api/v1/dead-letters/{id}";
    if (n == 5 && segs[4] == "retry")
      return "/api/v1/dead-letters/{id}/retry";
  } else if ((res == "solvers" || res == "ws") && n == 3) {
    return "/api/v1/" + std::string{res};
  }
  return "other";
}

} // namespace intentd
