#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <boost/asio/post.hpp>

namespace intentd {

/// The live sessions of a server, for counting them and shutting them down.
/// `Session` has `executor()` and `shutdown(bool force)`; it adds itself
/// once it runs and removes itself in its destructor.
template<class Session>
class session_set {
public:
  /// Adds `s` unless the set was closed; false then.
  bool add(const std::shared_ptr<Session>& s) {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_)
      return false;
    sessions_.emplace(s.get(), s);
    return true;
  }

  /// False when `s` was not in the set.
  bool remove(Session* s) {
    bool erased = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      erased = sessions_.erase(s) > 0;
    }
    cv_.notify_all();
    return erased;
  }

  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sessions_.size();
  }

  /// Refuses further sessions when `close`, and asks every live one to shut
  /// down on its own executor (`force`: close its socket at once).
  void shutdown_all(bool force, bool close = false) {
    std::vector<std::shared_ptr<Session>> live;
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = closed_ || close;
      for (auto& [ptr, weak] : sessions_)
        if (auto s = weak.lock())
          live.push_back(std::move(s));
    }
    for (auto& s : live) {
      auto* raw = s.get();
      boost::asio::post(raw->executor(),
                        [s = std::move(s), force] { s->shutdown(force); });
    }
  }

  /// Waits up to `limit` for every session to end; true when none is left.
  bool wait_empty(std::chrono::milliseconds limit) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, limit, [this] { return sessions_.empty(); });
  }

private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;
  bool closed_ = false;
};

} // namespace intentd
