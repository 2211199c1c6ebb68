#include "runtime/cluster/rate_homes.hpp"

namespace intentd {

std::vector<rate_share>
rate_shares(uint8_t keys, const rate_subject& who, std::size_t self,
            const std::function<std::size_t(const std::string&)>& home_of) {
  std::vector<rate_share> out;
  auto add = [&out](std::size_t node, uint8_t bit) {
    for (auto& s : out)
      if (s.node == node) {
        s.keys |= bit;
        return;
      }
    out.push_back(rate_share{node, bit});
  };
  if (keys & key_bit(rate_key::ip))
    add(who.ip.empty() ? self : home_of(who.ip), key_bit(rate_key::ip));
  if (keys & key_bit(rate_key::user))
    add(who.user.empty() ? self : home_of(who.user), key_bit(rate_key::user));
  if (keys & key_bit(rate_key::global))
    add(self, key_bit(rate_key::global));
  // This node's share last.
  for (std::size_t i = 0; i + 1 < out.size(); ++i)
    if (out[i].node == self) {
      auto mine = out[i];
      out.erase(out.begin() + static_cast<std::ptrdiff_t>(i));
      out.push_back(mine);
      break;
    }
  return out;
}

} // namespace intentd
