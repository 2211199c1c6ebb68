#include "actors/auction_grace.hpp"

#include <utility>

namespace intentd {

reconnect_grace::reconnect_grace(time_us start, uint32_t grace_ms,
                                 size_t max_held)
    : ends_at_(start + time_us{grace_ms} * 1000), max_held_(max_held),
      ended_(grace_ms == 0) {}

bool reconnect_grace::hold(held_auction& a) {
  if (held_.size() >= max_held_) {
    ++overflowed_;
    return false;
  }
  held_.push_back(std::move(a));
  return true;
}

std::deque<held_auction> reconnect_grace::release() {
  return std::exchange(held_, {});
}

} // namespace intentd
