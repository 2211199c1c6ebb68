#include "persistence/storage_lock.hpp"

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace intentd {

storage_lock::~storage_lock() {
  if (fd_ >= 0)
    ::close(fd_); // releases the flock
}

storage_lock::storage_lock(storage_lock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)) {}

storage_lock& storage_lock::operator=(storage_lock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

outcome<storage_lock> storage_lock::acquire(const std::string& dir) {
  std::string path = dir + "/intentd.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EACCES || errno == EROFS || errno == EPERM)
      return storage_lock{};
    return problem{errc::storage_unavailable,
                   "cannot open the lock file " + path + ": " +
                       std::strerror(errno),
                   {}};
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    std::string holder;
    char buf[32] = {};
    if (auto n = ::pread(fd, buf, sizeof buf - 1, 0); n > 0) {
      holder.assign(buf, static_cast<size_t>(n));
      while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' '))
        holder.pop_back();
    }
    ::close(fd);
    if (err == EWOULDBLOCK)
      return problem{
          errc::storage_unavailable,
          "storage in " + dir + " is in use by another engine" +
              (holder.empty() ? std::string{} : " (process " + holder + ")") +
              ": it holds " + path +
              "; stop it first or give this one another "
              "storage.path",
          {}};
    return problem{errc::storage_unavailable,
                   "cannot lock " + path + ": " + std::strerror(err),
                   {}};
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) !=
                                     static_cast<ssize_t>(pid.size())) {
    // The lock holds without the note of who holds it.
  }
  return storage_lock{fd};
}

} // namespace intentd
