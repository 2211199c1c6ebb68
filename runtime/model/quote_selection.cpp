#include "runtime/model/quote_selection.hpp"

#include <algorithm>

namespace intentd {

bool better_quote(action_kind action, const accepted_quote& a,
                  const accepted_quote& b) {
  if (action == action_kind::swap)
    return a.output_amount > b.output_amount;
  return a.fee < b.fee;
}

std::optional<size_t> select_quote(const quote_request& r,
                                   const std::vector<accepted_quote>& quotes,
                                   time_us now,
                                   const std::vector<size_t>& tried) {
  std::optional<size_t> best;
  for (size_t i = 0; i < quotes.size(); ++i) {
    const accepted_quote& q = quotes[i];
    if (std::find(tried.begin(), tried.end(), i) != tried.end() ||
        q.valid_until <= now)
      continue;
    if (r.action == action_kind::swap && q.output_amount < r.min_output_amount)
      continue;
    if (!best || better_quote(r.action, q, quotes[*best]))
      best = i;
  }
  return best;
}

} // namespace intentd
