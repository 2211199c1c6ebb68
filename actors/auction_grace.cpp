#include "actors/auction_grace.hpp"

#include <set>
#include <utility>

#include <spdlog/spdlog.h>

namespace intentd {

namespace {

constexpr const char* all_connected = "every external solver is connected";
constexpr const char* grace_ended = "the reconnect grace ended";

std::string joined(const std::vector<std::string>& ids) {
  std::string out;
  for (auto& id : ids)
    out += (out.empty() ? "" : ", ") + id;
  return out;
}

} // namespace

std::vector<std::string>
missing_solvers(const std::vector<solver_entry>& solvers,
                const solver_channel& channel, time_us now) {
  std::vector<std::string> missing;
  if (!channel.connected || !channel.send)
    return missing;
  std::set<std::string> connected;
  for (auto& id : channel.connected())
    connected.insert(id);
  for (auto& s : solvers)
    if (connected.count(s.config.solver_id) == 0 && !s.breaker.resting(now))
      missing.push_back(s.config.solver_id);
  return missing;
}

reconnect_grace::reconnect_grace(time_us start, uint32_t grace_ms,
                                 size_t max_held)
    : ends_at_(start + time_us{grace_ms} * 1000), max_held_(max_held),
      ended_(grace_ms == 0) {}

bool reconnect_grace::hold(
    const intent& in, const caf::typed_response_promise<auction_outcome>& rp,
    time_us now, const missing_fn& missing, const offer_fn& offer) {
  if (!running(now) && held_.empty())
    return false;
  auto absent = running(now) ? missing() : std::vector<std::string>{};
  if (absent.empty()) {
    offer_held(running(now) ? all_connected : grace_ended, offer);
    return false;
  }
  if (held_.size() >= max_held_) {
    if (++overflowed_ == 1)
      spdlog::warn("{} intents wait for external solvers to connect; more go "
                   "on at once with the solvers connected",
                   held_.size());
    return false;
  }
  held_.push_back(held_auction{in, rp});
  if (held_.size() == 1)
    spdlog::info("intent {} waits up to {} ms for external solvers to "
                 "connect: {}",
                 in.id, (ends_at_ - now) / 1000, joined(absent));
  return true;
}

void reconnect_grace::solver_ready(time_us now, const missing_fn& missing,
                                   const offer_fn& offer) {
  if (held_.empty())
    return;
  if (!running(now))
    offer_held(grace_ended, offer);
  else if (missing().empty())
    offer_held(all_connected, offer);
}

void reconnect_grace::end(const offer_fn& offer) {
  ended_ = true;
  offer_held(grace_ended, offer);
}

std::deque<held_auction> reconnect_grace::release() {
  return std::exchange(held_, {});
}

void reconnect_grace::offer_held(const char* why, const offer_fn& offer) {
  auto held = release();
  if (held.empty())
    return;
  spdlog::info("{} intents waiting for the external solvers go on: {}",
               held.size(), why);
  for (auto& h : held)
    offer(h);
}

} // namespace intentd
