#pragma once

#include <condition_variable>
#include <mutex>

namespace intentd {

/// Guards an LMDB environment's memory map: every transaction holds the gate
/// shared, a map resize holds it exclusively (mdb_env_set_mapsize must not
/// run while this process has a transaction open). A waiting resize stops
/// new transactions from entering, so a steady stream of readers cannot
/// starve it; a thread that already holds the gate may enter again.
class map_gate {
public:
  void lock_shared();
  void unlock_shared();
  /// Waits until no transaction is open; false (without locking) when the
  /// calling thread holds the gate itself, where waiting would deadlock.
  bool try_lock_exclusive();
  void unlock_exclusive();

private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int readers_ = 0;
  int waiting_ = 0;
  bool resizing_ = false;
};

/// Holds a map_gate shared for its lifetime.
class shared_gate_lock {
public:
  explicit shared_gate_lock(map_gate& gate) : gate_(&gate) {
    gate.lock_shared();
  }
  shared_gate_lock(shared_gate_lock&& other) noexcept : gate_(other.gate_) {
    other.gate_ = nullptr;
  }
  shared_gate_lock& operator=(shared_gate_lock&&) = delete;
  shared_gate_lock(const shared_gate_lock&) = delete;
  shared_gate_lock& operator=(const shared_gate_lock&) = delete;
  ~shared_gate_lock() {
    if (gate_)
      gate_->unlock_shared();
  }

private:
  map_gate* gate_;
};

} // namespace intentd
