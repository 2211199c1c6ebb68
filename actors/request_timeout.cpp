#include "actors/request_timeout.hpp"

#include <algorithm>

#include <caf/behavior.hpp>
#include <caf/error.hpp>
#include <caf/scheduled_actor.hpp>
#include <caf/sec.hpp>

namespace intentd {

request_deadlines::~request_deadlines() {
  if (self_ == nullptr)
    return;
  for (const auto& t : timers_)
    self_->clock().cancel_request_timeout(self_, caf::message_id(t.id));
}

void request_deadlines::add(caf::scheduled_actor* self,
                            caf::message_id response_id,
                            std::chrono::milliseconds timeout) {
  self_ = self;
  auto due = self->clock().now() + timeout;
  entry e{due, response_id.integer_value()};
  if (pending_.empty() || pending_.back().due <= due)
    pending_.push_back(e);
  else
    pending_.insert(std::upper_bound(
                        pending_.begin(), pending_.end(), due,
                        [](time_point t, const entry& x) { return t < x.due; }),
                    e);
  arm(due);
}

void request_deadlines::drop(caf::message_id response_id) {
  auto id = response_id.integer_value();
  auto i = std::find_if(pending_.begin(), pending_.end(),
                        [id](const entry& x) { return x.id == id; });
  if (i != pending_.end())
    pending_.erase(i);
}

void request_deadlines::arm(time_point due) {
  for (const auto& t : timers_)
    if (t.due <= due)
      return; // a timer fires by then and looks again
  auto timer =
      self_->new_request_id(caf::message_priority::normal).response_id();
  auto id = timer.integer_value();
  self_->add_multiplexed_response_handler(
      timer, caf::behavior{[this, id](caf::error&) { fire(id); }});
  self_->clock().set_request_timeout(due, self_, timer);
  timers_.push_back(entry{due, id});
}

void request_deadlines::fire(uint64_t timer_id) {
  timers_.erase(
      std::remove_if(timers_.begin(), timers_.end(),
                     [timer_id](const entry& t) { return t.id == timer_id; }),
      timers_.end());
  auto now = self_->clock().now();
  auto end = std::find_if(pending_.begin(), pending_.end(),
                          [now](const entry& x) { return x.due > now; });
  std::vector<entry> late(pending_.begin(), end);
  pending_.erase(pending_.begin(), end);
  for (const auto& x : late)
    self_->eq_impl(caf::message_id(x.id), self_->ctrl(), self_->context(),
                   caf::make_error(caf::sec::request_timeout));
  if (!pending_.empty())
    arm(pending_.front().due);
}

} // namespace intentd
