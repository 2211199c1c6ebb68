#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "runtime/model/quote_check.hpp"

namespace intentd {

/// True when `a` wins over `b` for `action`: a swap goes to the higher
/// output_amount, a transfer or stake to the lower fee. Equal quotes are
/// not better than each other: the earlier one keeps the lead.
bool better_quote(action_kind action, const accepted_quote& a,
                  const accepted_quote& b);

/// The position of the winning quote among `quotes` (in arrival order) for
/// `r`: the best by better_quote, ties to the earliest. Skips the positions
/// in `tried` (settlements that failed), quotes no longer valid at `now`
/// (valid_until at or before it) and, for a swap, quotes below
/// min_output_amount. nullopt when none is left: the built-in solvers take
/// the intent. After a failed settlement, calling it again with the
/// winner in `tried` gives the next valid quote.
std::optional<size_t> select_quote(const quote_request& r,
                                   const std::vector<accepted_quote>& quotes,
                                   time_us now,
                                   const std::vector<size_t>& tried = {});

} // namespace intentd
