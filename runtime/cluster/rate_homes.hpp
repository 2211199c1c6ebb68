#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "runtime/model/rate_limit.hpp"

namespace intentd {

/// The keys of one request one node counts.
struct rate_share {
  std::size_t node = 0;
  uint8_t keys = 0;
};

/// Where a cluster node counts the rules of `keys` for `who`: the rules
/// keyed by address at home_of(who.ip), those keyed by account at
/// home_of(who.user) (here when there is no account: they count nothing),
/// global rules here (`self`), each rule protecting its own node. One
/// share per node; the other nodes' shares first, this node's last, so
/// that a refusal at a home stops the count before this node's budget is
/// spent.
std::vector<rate_share>
rate_shares(uint8_t keys, const rate_subject& who, std::size_t self,
            const std::function<std::size_t(const std::string&)>& home_of);

} // namespace intentd
