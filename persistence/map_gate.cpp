#include "persistence/map_gate.hpp"

namespace intentd {

namespace {

thread_local int held_by_this_thread = 0;

} // namespace

void map_gate::lock_shared() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] {
    return !resizing_ && (waiting_ == 0 || held_by_this_thread > 0);
  });
  ++readers_;
  ++held_by_this_thread;
}

void map_gate::unlock_shared() {
  std::lock_guard<std::mutex> lock(mutex_);
  --held_by_this_thread;
  if (--readers_ == 0 && waiting_ > 0)
    changed_.notify_all();
}

bool map_gate::try_lock_exclusive() {
  if (held_by_this_thread > 0)
    return false;
  std::unique_lock<std::mutex> lock(mutex_);
  ++waiting_;
  changed_.wait(lock, [&] { return !resizing_ && readers_ == 0; });
  --waiting_;
  resizing_ = true;
  return true;
}

void map_gate::unlock_exclusive() {
  std::lock_guard<std::mutex> lock(mutex_);
  resizing_ = false;
  changed_.notify_all();
}

} // namespace intentd
