#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <system_error>

#include <doctest/doctest.h>
#include <unistd.h>

#include "persistence/intent_store.hpp"

namespace intentd::test {

/// A fresh directory under the system temp directory, removed on exit.
class temp_dir {
public:
  temp_dir() {
    static std::atomic<int> counter{0};
    auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    path_ = std::filesystem::temp_directory_path() /
            ("intentd-pers-" + std::to_string(::getpid()) + "-" +
             std::to_string(stamp) + "-" + std::to_string(counter++));
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

/// The problem's message of a failed outcome, empty for a value: safe in
/// REQUIRE_MESSAGE, whose message is also built for passing checks (-s).
template<class T>
std::string why(const outcome<T>& o) {
  return o ? std::string() : o.error().message;
}

/// The value of a read that must succeed; fails the test with the problem
/// otherwise.
template<class T>
T value_of(outcome<T> o) {
  REQUIRE_MESSAGE(o, why(o));
  return std::move(*o);
}

/// Whether a read answered that there is no such record (not_found), as
/// opposed to a record or a read that failed.
template<class T>
bool missing(const outcome<T>& o) {
  return !o && o.error().code == errc::not_found;
}

/// Opens a store, failing the test with the reason when it cannot.
inline intent_store open_store(const store_options& opts) {
  auto store = intent_store::open(opts);
  REQUIRE_MESSAGE(store, why(store));
  return std::move(*store);
}

/// Options for a store in `dir` without fsync, for fast tests.
inline store_options fast_options(const temp_dir& dir) {
  store_options opts;
  opts.path = dir.path().string();
  opts.sync = false;
  opts.map_size = 64ull << 20;
  return opts;
}

/// A small valid-looking record.
inline intent_record make_record(std::string id, std::string user,
                                 intent_status status, time_us created_at) {
  intent_record rec;
  rec.request.id = std::move(id);
  rec.request.user_account = std::move(user);
  rec.request.action = action_kind::transfer;
  rec.request.input_token = "USDC";
  rec.request.input_amount = 1000000;
  rec.request.recipient = "bob.near";
  rec.request.expires_at = created_at + 600000000;
  rec.request.nonce = 1;
  rec.request.signature = "ed25519:sig";
  rec.status = status;
  rec.status_message = "Waiting";
  rec.created_at = created_at;
  rec.updated_at = created_at;
  rec.history.push_back({intent_status::pending, created_at});
  rec.seq = 1;
  rec.body_digest = "digest-" + rec.request.id;
  return rec;
}

} // namespace intentd::test
