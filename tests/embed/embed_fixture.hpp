#pragma once

// Helpers of the public-API tests: they include only <intentd/...> and
// link only libintentd, as an embedding program does.

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>

#include <unistd.h>

#include <intentd/engine.hpp>

namespace embed_test {

/// A fresh directory under the system's temp directory, removed at the end.
struct temp_dir {
  std::filesystem::path path;
  explicit temp_dir(const std::string& name) {
    static int n = 0;
    path = std::filesystem::temp_directory_path() /
           ("intentd-embed-test-" + std::to_string(::getpid()) + "-" +
            std::to_string(++n) + "-" + name);
    std::filesystem::remove_all(path);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string str() const { return path.string(); }
};

/// A config on `dir`: no chain latency, reads open.
inline intentd::config config_on(const temp_dir& dir) {
  intentd::config c;
  auto ok = c.set("storage.path", dir.str());
  ok = ok ? c.set("chain.simulated.latency_ms", 0) : ok;
  ok = ok ? c.set("security.read_access", "open") : ok;
  if (!ok)
    throw std::runtime_error(ok.err().message);
  return c;
}

inline intentd::intent_request swap(const std::string& id,
                                    const std::string& user = "alice.near") {
  intentd::intent_request r;
  r.id = id;
  r.user_account = user;
  r.action = "swap";
  r.input_token = "usdc.near";
  r.input_amount = "10";
  r.output_token = "wrap.near";
  r.min_output_amount = "1";
  return r;
}

/// Waits (up to a generous deadline, never asserted as a duration) until
/// `pred` holds under `mu`; false if it never did.
inline bool wait_until(std::mutex& mu, std::condition_variable& cv,
                       const std::function<bool()>& pred) {
  std::unique_lock<std::mutex> lock(mu);
  return cv.wait_for(lock, std::chrono::seconds{120}, pred);
}

/// Follows `id` through a subscription until it is final, then reads its
/// record; the record (final unless the deadline passed), or an error.
inline intentd::result<intentd::record> wait_final(intentd::engine& e,
                                                   const std::string& id) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{120};
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  intentd::result<intentd::record> last =
      intentd::error{"timeout", "no final state", {}, 504};
  auto sub = e.subscribe_intent(id, [&](const intentd::notification& n) {
    std::lock_guard<std::mutex> lock(mu);
    if (n.kind == "update" &&
        (n.status == "completed" || n.status == "failed" ||
         n.status == "expired" || n.status == "cancelled"))
      done = true;
    cv.notify_all();
  });
  if (!sub)
    return sub.err();
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_until(lock, deadline, [&] { return done; });
  }
  sub->reset();
  return e.get_wait(id);
}

} // namespace embed_test
