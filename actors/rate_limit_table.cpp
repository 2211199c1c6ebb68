#include "actors/rate_limit_table.hpp"

#include <algorithm>
#include <utility>

namespace intentd {

namespace {

bool contains(const std::vector<std::string>& xs, const std::string& x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

} // namespace

rate_limiter::rate_limiter(rate_limit_settings s)
    : settings_(std::move(s)), state_(settings_.rules, settings_.max_keys),
      limited_(new std::atomic<uint64_t>[settings_.rules.size() + 1]) {
  for (size_t i = 0; i <= settings_.rules.size(); ++i)
    limited_[i] = 0;
}

std::string rate_limiter::client(const std::string& peer,
                                 const std::string& forwarded_for) const {
  return client_address(peer, forwarded_for, settings_.trusted_proxies);
}

bool rate_limiter::exempt(const std::string& client,
                          const std::string& api_key) const {
  return contains(settings_.allow_ips, client) ||
         (!api_key.empty() && contains(settings_.allow_api_keys, api_key));
}

rate_decision rate_limiter::check(rate_route route, const rate_subject& who,
                                  time_us now, uint8_t keys) {
  rate_decision d;
  if (!settings_.enabled)
    return d;
  {
    std::lock_guard<std::mutex> lock(mu_);
    d = state_.check(route, who, now, keys);
  }
  if (!d.allowed && d.rule >= 0)
    count_limited(static_cast<size_t>(d.rule));
  return d;
}

size_t rate_limiter::sweep(time_us now) {
  std::lock_guard<std::mutex> lock(mu_);
  return state_.sweep(now);
}

rate_limited_counts rate_limiter::limited_counts() const {
  rate_limited_counts out;
  for (size_t i = 0; i < settings_.rules.size(); ++i)
    out.emplace_back(settings_.rules[i].name, limited_[i].load());
  return out;
}

void rate_limiter::count_limited(size_t index) {
  if (index < settings_.rules.size())
    ++limited_[index];
}

size_t rate_limiter::keys() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& r : state_.rules())
    n += r.keys();
  return n;
}

} // namespace intentd
