#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "runtime/model/intent.hpp"
#include "runtime/model/lru_table.hpp"

namespace intentd {

/// What one take from a limiter says. Times are microseconds from `now`.
struct rate_verdict {
  bool allowed = true;
  uint64_t remaining = 0;  // requests still allowed right now
  time_us reset_in = 0;    // until the budget is whole again
  time_us retry_after = 0; // until the next request may pass (when denied)
};

/// `limit` requests per `window`, refilled continuously (one token every
/// window / limit). A burst of `limit` passes at once. Integer arithmetic:
/// the level is kept in tokens times window.
class token_bucket {
public:
  token_bucket(uint64_t limit, time_us window, time_us now);

  /// Takes one token if there is one.
  rate_verdict take(time_us now);
  /// Gives back the token of the last allowed take.
  void untake();
  /// True when the bucket is full again at `now`.
  bool idle(time_us now) const;

private:
  void refill(time_us now);

  uint64_t limit_;
  time_us window_;
  uint64_t level_; // tokens * window_
  time_us last_;
};

/// `limit` requests per sliding `window`, estimated from two fixed windows:
/// the previous window's count weighted by how much of it still overlaps the
/// sliding one, plus the current count. O(1) memory per key; denied requests
/// do not count.
class sliding_window {
public:
  sliding_window(uint64_t limit, time_us window, time_us now);

  rate_verdict take(time_us now);
  /// Forgets the last allowed take.
  void untake();
  /// True when no earlier request weighs on the estimate at `now`.
  bool idle(time_us now) const;

private:
  void roll(time_us now);
  uint64_t estimate(time_us now) const;

  uint64_t limit_;
  time_us window_;
  time_us start_; // start of the current fixed window
  uint64_t current_ = 0;
  uint64_t previous_ = 0;
};

enum class rate_algorithm : uint8_t { sliding_window, token_bucket };

/// Whom a rule counts: the client's address, the intent's user account, or
/// everyone together.
enum class rate_key : uint8_t { ip, user, global };

/// Sets of rate_key, for checking some of a request's rules at a time.
constexpr uint8_t key_bit(rate_key k) {
  return static_cast<uint8_t>(1u << static_cast<unsigned>(k));
}
constexpr uint8_t all_keys = 7;
/// The rules that need no account: by address and global.
constexpr uint8_t anonymous_keys =
    key_bit(rate_key::ip) | key_bit(rate_key::global);

/// Route classes a rule covers (a bit set).
enum rate_route : uint8_t {
  route_submit = 1,
  route_read = 2,
  route_websocket = 4,
};

struct rate_rule {
  std::string name;
  rate_key key = rate_key::ip;
  uint8_t routes = route_submit;
  uint64_t limit = 1;
  time_us window = 1'000'000;
  rate_algorithm algorithm = rate_algorithm::sliding_window;
};

/// Who sends a request; an empty user skips the rules keyed by user.
struct rate_subject {
  std::string ip;
  std::string user;
};

/// The answer for one request over every rule that applies; the figures
/// come from the rule closest to its limit (the denying one when denied).
struct rate_decision {
  bool applied = false; // false: no rule covers the request
  bool allowed = true;
  int rule = -1; // index of the rule the figures come from
  uint64_t limit = 0;
  uint64_t remaining = 0;
  uint32_t reset_s = 0;       // RateLimit-Reset, whole seconds, rounded up
  uint32_t retry_after_s = 0; // Retry-After when denied, at least 1
};

/// Of two decisions on one request (counted apart, e.g. on different
/// nodes), the one the client is told: a denial, else the one that applies
/// with the least left.
rate_decision tighter(const rate_decision& a, const rate_decision& b);

/// One rule's state per key, in a bounded LRU table. Not thread-safe.
class rate_rule_state {
public:
  rate_rule_state(rate_rule rule, size_t max_keys);

  rate_verdict take(const std::string& key, time_us now);
  /// Undoes the last allowed take for `key` (another rule refused).
  void untake(const std::string& key);
  /// Drops keys whose budget is whole again; returns how many.
  size_t sweep(time_us now);

  const rate_rule& rule() const { return rule_; }
  size_t keys() const { return table_.size(); }

private:
  struct entry {
    std::variant<sliding_window, token_bucket> limiter;
    time_us touched;
  };

  rate_rule rule_;
  lru_table<entry> table_;
};

/// Every rule together: a request passes when every rule covering it lets
/// it, and counts against none when one refuses. Not thread-safe.
class rate_limits_state {
public:
  rate_limits_state(std::vector<rate_rule> rules, size_t max_keys);

  /// Counts one request of `route` from `who` against each rule covering
  /// it whose key is in `keys`.
  rate_decision check(rate_route route, const rate_subject& who, time_us now,
                      uint8_t keys = all_keys);
  /// True when some rule covers `route` with a key in `keys`.
  bool covers(rate_route route, uint8_t keys) const;
  size_t sweep(time_us now);

  const std::vector<rate_rule_state>& rules() const { return rules_; }

private:
  std::vector<rate_rule_state> rules_;
};

/// The client's address: `peer` itself, unless `peer` is a trusted proxy;
/// then the rightmost address in `forwarded_for` (X-Forwarded-For) that is
/// not a trusted proxy (the leftmost when all are).
std::string client_address(const std::string& peer,
                           const std::string& forwarded_for,
                           const std::vector<std::string>& trusted_proxies);

} // namespace intentd
