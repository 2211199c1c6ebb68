#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/model/amount.hpp"

namespace intentd {

/// Prices are fixed point with this many fractional digits.
constexpr uint8_t price_decimals = 9;

struct token_spec {
  std::string id;
  uint8_t decimals = 0;
  /// Price in a common unit, times 10^price_decimals ("5" -> 5'000'000'000).
  units price = 0;
};

/// The tokens an engine knows; immutable after construction.
class token_registry {
public:
  token_registry() = default;
  explicit token_registry(std::vector<token_spec> tokens);
  /// nullptr when unknown.
  const token_spec* find(std::string_view id) const;
  const std::vector<token_spec>& all() const { return tokens_; }

private:
  std::vector<token_spec> tokens_;
};

} // namespace intentd
