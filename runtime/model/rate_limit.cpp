#include "runtime/model/rate_limit.hpp"

#include <algorithm>

namespace intentd {

namespace {

uint32_t whole_seconds(time_us us) {
  if (us <= 0)
    return 0;
  return static_cast<uint32_t>((us + 999'999) / 1'000'000);
}

std::string trim(std::string s) {
  auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos)
    return {};
  auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

bool trusted(const std::string& addr, const std::vector<std::string>& list) {
  return std::find(list.begin(), list.end(), addr) != list.end();
}

} // namespace

// -- token_bucket -------------------------------------------------------------

token_bucket::token_bucket(uint64_t limit, time_us window, time_us now)
    : limit_(limit), window_(window),
      level_(limit * static_cast<uint64_t>(window)), last_(now) {}

void token_bucket::refill(time_us now) {
  if (now <= last_)
    return;
  auto full = limit_ * static_cast<uint64_t>(window_);
  auto elapsed = static_cast<uint64_t>(now - last_);
  // elapsed * limit_ could overflow after a long pause: cap first.
  if (elapsed >= static_cast<uint64_t>(window_))
    level_ = full;
  else
    level_ = std::min(full, level_ + elapsed * limit_);
  last_ = now;
}

rate_verdict token_bucket::take(time_us now) {
  refill(now);
  auto cost = static_cast<uint64_t>(window_);
  auto full = limit_ * cost;
  rate_verdict v;
  v.allowed = level_ >= cost;
  if (v.allowed)
    level_ -= cost;
  else
    v.retry_after = static_cast<time_us>((cost - level_ + limit_ - 1) / limit_);
  v.remaining = level_ / cost;
  v.reset_in = static_cast<time_us>((full - level_ + limit_ - 1) / limit_);
  return v;
}

void token_bucket::untake() {
  level_ = std::min(limit_ * static_cast<uint64_t>(window_),
                    level_ + static_cast<uint64_t>(window_));
}

bool token_bucket::idle(time_us now) const {
  return now - last_ >= window_ ||
         level_ == limit_ * static_cast<uint64_t>(window_);
}

// -- sliding_window -----------------------------------------------------------

sliding_window::sliding_window(uint64_t limit, time_us window, time_us now)
    : limit_(limit), window_(window), start_(now - now % window) {}

void sliding_window::roll(time_us now) {
  if (now < start_ + window_)
    return;
  previous_ = now < start_ + 2 * window_ ? current_ : 0;
  current_ = 0;
  start_ = now - now % window_;
}

uint64_t sliding_window::estimate(time_us now) const {
  auto left = static_cast<uint64_t>(window_ - (now - start_));
  return current_ + previous_ * left / static_cast<uint64_t>(window_);
}

rate_verdict sliding_window::take(time_us now) {
  roll(now);
  rate_verdict v;
  auto count = estimate(now);
  v.allowed = count < limit_;
  if (v.allowed) {
    ++current_;
    ++count;
  }
  v.remaining = count < limit_ ? limit_ - count : 0;
  auto elapsed = now - start_;
  // Whole again once neither window weighs: the current one has to become
  // the previous one and pass too (or only the previous one has to pass).
  v.reset_in = current_ > 0 ? 2 * window_ - elapsed
                            : (previous_ > 0 ? window_ - elapsed : 0);
  if (!v.allowed) {
    auto w = static_cast<uint64_t>(window_);
    if (current_ >= limit_) {
      // Wait for the next window, then for the current count's weight to
      // fall below the limit: current * (W - e) / W < limit.
      auto e = w - (limit_ * w) / current_ + 1;
      v.retry_after = (window_ - elapsed) + static_cast<time_us>(e);
    } else {
      // previous * (W - e) / W < limit - current.
      auto room = limit_ - current_;
      auto e = w - (room * w) / previous_ + 1;
      v.retry_after = std::max<time_us>(1, static_cast<time_us>(e) - elapsed);
    }
  }
  return v;
}

void sliding_window::untake() {
  if (current_ > 0)
    --current_;
}

bool sliding_window::idle(time_us now) const {
  return now >= start_ + 2 * window_ ||
         (current_ == 0 && now >= start_ + window_) ||
         (current_ == 0 && previous_ == 0);
}

// -- rules --------------------------------------------------------------------

rate_rule_state::rate_rule_state(rate_rule rule, size_t max_keys)
    : rule_(std::move(rule)), table_(max_keys) {}

rate_verdict rate_rule_state::take(const std::string& key, time_us now) {
  auto& e = table_.find_or_insert(key, [&] {
    if (rule_.algorithm == rate_algorithm::token_bucket)
      return entry{token_bucket{rule_.limit, rule_.window, now}, now};
    return entry{sliding_window{rule_.limit, rule_.window, now}, now};
  });
  e.touched = now;
  return std::visit([now](auto& l) { return l.take(now); }, e.limiter);
}

void rate_rule_state::untake(const std::string& key) {
  if (auto* e = table_.find(key))
    std::visit([](auto& l) { l.untake(); }, e->limiter);
}

size_t rate_rule_state::sweep(time_us now) {
  // Least recently used first: once one is still busy, the rest are too
  // (every key of a rule shares its window).
  return table_.drop_oldest_while([now](const entry& e) {
    return std::visit([now](const auto& l) { return l.idle(now); }, e.limiter);
  });
}

rate_limits_state::rate_limits_state(std::vector<rate_rule> rules,
                                     size_t max_keys) {
  for (auto& r : rules)
    rules_.emplace_back(std::move(r), max_keys);
}

bool rate_limits_state::covers(rate_route route, uint8_t keys) const {
  for (const auto& r : rules_)
    if ((r.rule().routes & route) != 0 && (key_bit(r.rule().key) & keys) != 0)
      return true;
  return false;
}

rate_decision rate_limits_state::check(rate_route route,
                                       const rate_subject& who, time_us now,
                                       uint8_t keys) {
  rate_decision d;
  static const std::string everyone;
  std::vector<std::pair<size_t, const std::string*>> taken;
  for (size_t i = 0; i < rules_.size(); ++i) {
    auto& state = rules_[i];
    const auto& rule = state.rule();
    if ((rule.routes & route) == 0 || (key_bit(rule.key) & keys) == 0)
      continue;
    const std::string* key = &everyone;
    if (rule.key == rate_key::ip)
      key = &who.ip;
    else if (rule.key == rate_key::user)
      key = &who.user;
    if (rule.key != rate_key::global && key->empty())
      continue;
    auto v = state.take(*key, now);
    // Report the denying rule, else the one with the least left.
    bool replace = !d.applied || !v.allowed || v.remaining < d.remaining;
    d.applied = true;
    if (replace) {
      d.allowed = v.allowed;
      d.rule = static_cast<int>(i);
      d.limit = rule.limit;
      d.remaining = v.remaining;
      d.reset_s = whole_seconds(v.reset_in);
      d.retry_after_s =
          v.allowed ? 0 : std::max(1u, whole_seconds(v.retry_after));
    }
    if (!v.allowed) {
      for (auto& [index, k] : taken)
        rules_[index].untake(*k);
      break;
    }
    taken.emplace_back(i, key);
  }
  return d;
}

rate_decision tighter(const rate_decision& a, const rate_decision& b) {
  if (!b.applied || (a.applied && !a.allowed))
    return a;
  if (!a.applied || !b.allowed || b.remaining < a.remaining)
    return b;
  return a;
}

size_t rate_limits_state::sweep(time_us now) {
  size_t n = 0;
  for (auto& r : rules_)
    n += r.sweep(now);
  return n;
}

std::string client_address(const std::string& peer,
                           const std::string& forwarded_for,
                           const std::vector<std::string>& trusted_proxies) {
  if (forwarded_for.empty() || !trusted(peer, trusted_proxies))
    return peer;
  std::vector<std::string> hops;
  size_t pos = 0;
  while (pos <= forwarded_for.size()) {
    auto comma = forwarded_for.find(',', pos);
    if (comma == std::string::npos)
      comma = forwarded_for.size();
    auto hop = trim(forwarded_for.substr(pos, comma - pos));
    if (!hop.empty())
      hops.push_back(std::move(hop));
    pos = comma + 1;
  }
  if (hops.empty())
    return peer;
  for (auto it = hops.rbegin(); it != hops.rend(); ++it)
    if (!trusted(*it, trusted_proxies))
      return *it;
  return hops.front();
}

} // namespace intentd
