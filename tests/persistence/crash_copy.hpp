#pragma once

#include <filesystem>
#include <functional>
#include <memory>

#include "persistence/write_log.hpp"

namespace intentd::test {

/// Copies a directory (a log included) as a crash would leave it on disk,
/// without the files that only hold runtime state: LMDB's lock file and
/// the storage lock.
inline void copy_dir(const std::filesystem::path& from,
                     const std::filesystem::path& to) {
  namespace fs = std::filesystem;
  fs::create_directories(to);
  for (const auto& e : fs::recursive_directory_iterator(from)) {
    auto name = e.path().filename().string();
    if (name == "lock.mdb" || name == "intentd.lock")
      continue;
    auto target = to / fs::relative(e.path(), from);
    if (e.is_directory())
      fs::create_directories(target);
    else
      fs::copy_file(e.path(), target, fs::copy_options::overwrite_existing);
  }
}

/// A write log fault hook that fails nothing and, just before the log's
/// n-th file operation, copies `from` to `to` as a crash there leaves it
/// and sets `*progress_at_crash` to `*progress` (what the test had
/// acknowledged by then). `*progress_at_crash` stays as it was when the
/// log made fewer than n operations.
inline std::function<int(log_op)>
copy_before_op(int n, std::filesystem::path from, std::filesystem::path to,
               std::shared_ptr<const int> progress,
               std::shared_ptr<int> progress_at_crash) {
  auto count = std::make_shared<int>(0);
  return [=](log_op) {
    if (++*count == n) {
      *progress_at_crash = *progress;
      copy_dir(from, to);
    }
    return 0;
  };
}

} // namespace intentd::test
