#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "actors/message_data.hpp"
#include "runtime/model/rate_limit.hpp"

namespace intentd {

/// The rate limits as the engine uses them (from `rate_limits:`).
struct rate_limit_settings {
  bool enabled = true;
  std::vector<rate_rule> rules;
  size_t max_keys = 100'000;
  std::vector<std::string> trusted_proxies;
  std::vector<std::string> allow_ips;
  std::vector<std::string> allow_api_keys;
  std::string api_key_header = "X-API-Key";
};

/// The rate limits shared by the gateway's threads and the rate-limiter
/// actor. Each check holds one short lock; no I/O.
class rate_limiter {
public:
  explicit rate_limiter(rate_limit_settings s);

  bool enabled() const { return settings_.enabled; }
  const rate_limit_settings& settings() const { return settings_; }

  /// The client's address, believing X-Forwarded-For only from trusted
  /// proxies.
  std::string client(const std::string& peer,
                     const std::string& forwarded_for) const;
  /// True for allow-listed client addresses and API keys.
  bool exempt(const std::string& client, const std::string& api_key) const;

  /// Counts one request; a denial adds to its rule's limited counter.
  rate_decision check(rate_route route, const rate_subject& who, time_us now,
                      uint8_t keys = all_keys);
  bool covers(rate_route route, uint8_t keys) const {
    return state_.covers(route, keys);
  }
  /// Forgets keys whose budget is whole again; returns how many.
  size_t sweep(time_us now);

  /// Requests refused per rule, in rule order: {rule name, count}. For the
  /// `http_rate_limited_total{rule}` metric.
  rate_limited_counts limited_counts() const;
  /// Adds one refusal to rule `index` (for limits applied elsewhere).
  void count_limited(size_t index);
  /// Keys tracked now, over every rule.
  size_t keys() const;

private:
  rate_limit_settings settings_;
  mutable std::mutex mu_;
  rate_limits_state state_;
  std::unique_ptr<std::atomic<uint64_t>[]> limited_;
};

} // namespace intentd
