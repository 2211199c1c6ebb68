#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include <caf/send.hpp>

#include "actors/interfaces.hpp"
#include "runtime/engine/engine.hpp"

namespace intentd {

/// The engine's way into its notifier for subscriber handles, which may
/// outlive the engine: `cut` (on stop) lets go of the actor, and handles
/// that act after it do nothing.
class notifier_link : public std::enable_shared_from_this<notifier_link> {
public:
  explicit notifier_link(notifier_actor notifier);

  /// A subscriber handle with a fresh id, attached to the notifier.
  std::unique_ptr<subscriber> attach(notice_handler on_notice);

  /// Drops the notifier; later sends are ignored.
  void cut();

  template<class... Ts>
  void send(Ts&&... xs) {
    std::lock_guard<std::mutex> lock(mu_);
    if (notifier_)
      caf::anon_send(notifier_, std::forward<Ts>(xs)...);
  }

private:
  std::mutex mu_;
  notifier_actor notifier_;
  std::atomic<uint64_t> next_id_{0};
};

} // namespace intentd
