#include "actors/request_timeout.hpp"

#include <algorithm>

#include <caf/behavior.hpp>
#include <caf/error.hpp>
#include <caf/scheduled_actor.hpp>
#include <caf/sec.hpp>

namespace intentd {

namespace {

/// The heap's order (std::push_heap keeps the greatest on top): the
/// earliest deadline, then the first added, on top.
template<class Entry>
bool after(const Entry& a, const Entry& b) {
  return a.due != b.due ? a.due > b.due : a.seq > b.seq;
}

/// Answered entries kept beyond the waiting ones before compact() drops
/// them.
constexpr size_t answered_slack = 32;

} // namespace

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
  auto id = response_id.integer_value();
  auto seq = next_seq_++;
  waiting_[id] = seq;
  by_due_.push_back(entry{due, seq, id});
  std::push_heap(by_due_.begin(), by_due_.end(), after<entry>);
  arm(due);
}

void request_deadlines::drop(caf::message_id response_id) {
  if (waiting_.erase(response_id.integer_value()) == 0)
    return;
  // Answers come mostly in the order asked: the answered entries at the
  // top go at once, so an intent's actor keeps none between its requests.
  if (waiting_.empty())
    by_due_.clear();
  else
    pop_answered();
  compact();
}

bool request_deadlines::waiting(const entry& e) const {
  auto i = waiting_.find(e.id);
  return i != waiting_.end() && i->second == e.seq;
}

void request_deadlines::pop_answered() {
  while (!by_due_.empty() && !waiting(by_due_.front())) {
    std::pop_heap(by_due_.begin(), by_due_.end(), after<entry>);
    by_due_.pop_back();
  }
}

void request_deadlines::compact() {
  // Rebuilt after more drops than half the heap's size since the last
  // time: O(1) amortized per drop.
  if (by_due_.size() <= 2 * waiting_.size() + answered_slack)
    return;
  by_due_.erase(std::remove_if(by_due_.begin(), by_due_.end(),
                               [this](const entry& e) { return !waiting(e); }),
                by_due_.end());
  std::make_heap(by_due_.begin(), by_due_.end(), after<entry>);
}

void request_deadlines::arm(time_point due) {
  for (const auto& t : timers_)
    if (t.due <= due)
      return; // a timer fires by then and looks again
  auto rid = self_->new_request_id(caf::message_priority::normal).response_id();
  auto id = rid.integer_value();
  self_->add_multiplexed_response_handler(
      rid, caf::behavior{[this, id](caf::error&) { fire(id); }});
  self_->clock().set_request_timeout(due, self_, rid);
  timers_.push_back(timer{due, id});
}

void request_deadlines::fire(uint64_t timer_id) {
  timers_.erase(
      std::remove_if(timers_.begin(), timers_.end(),
                     [timer_id](const timer& t) { return t.id == timer_id; }),
      timers_.end());
  auto now = self_->clock().now();
  std::vector<uint64_t> late;
  for (pop_answered(); !by_due_.empty() && by_due_.front().due <= now;
       pop_answered()) {
    late.push_back(by_due_.front().id);
    waiting_.erase(by_due_.front().id);
    std::pop_heap(by_due_.begin(), by_due_.end(), after<entry>);
    by_due_.pop_back();
  }
  for (auto id : late)
    self_->eq_impl(caf::message_id(id), self_->ctrl(), self_->context(),
                   caf::make_error(caf::sec::request_timeout));
  if (!by_due_.empty())
    arm(by_due_.front().due);
}

} // namespace intentd
