#pragma once

#include <string>

#include "runtime/model/problem.hpp"

namespace intentd {

/// An exclusive lock on a storage directory (`<dir>/intentd.lock`, flock),
/// so that no two engines, in one process or two, open the same LMDB
/// environment: LMDB forbids opening one twice in a process, and two
/// writers would each take the other's intents for their own. The kernel
/// drops the lock when the process dies, kill -9 included.
class storage_lock {
public:
  storage_lock() = default;
  ~storage_lock();
  storage_lock(storage_lock&& other) noexcept;
  storage_lock& operator=(storage_lock&& other) noexcept;
  storage_lock(const storage_lock&) = delete;
  storage_lock& operator=(const storage_lock&) = delete;

  /// Takes the lock of `dir` and writes this process's id into the file.
  /// A storage_unavailable problem naming the holder when another engine
  /// has it. A directory where no lock file can be made (read-only storage)
  /// gives an unheld lock: such a store is only ever opened read-only.
  static outcome<storage_lock> acquire(const std::string& dir);

  bool held() const { return fd_ >= 0; }

private:
  explicit storage_lock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

} // namespace intentd
