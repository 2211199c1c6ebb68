#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "crash_copy.hpp"
#include "persistence/logged_store.hpp"
#include "store_fixture.hpp"

namespace intentd::test {

/// Options for a logged store in `dir` without fsync, with small log
/// segments so that checkpoints have whole segments to remove.
inline logged_store_options logged_options(const temp_dir& dir) {
  logged_store_options o;
  o.store = fast_options(dir);
  o.log.sync = false;
  o.log.segment_size = 4096;
  return o;
}

constexpr time_us t0 = 1'700'000'000'000'000;

/// Intent `i` of alice, created i ms after t0.
inline intent_record rec_of(int i,
                            intent_status status = intent_status::pending) {
  return make_record("int_" + std::to_string(1000 + i), "alice.near", status,
                     t0 + i * 1000);
}

/// The log's segment files of a store, oldest first.
inline std::vector<std::string>
wal_files(const std::filesystem::path& store_dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(store_dir / "wal"))
    out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

inline logged_store open_logged(const logged_store_options& o) {
  auto s = logged_store::open(o);
  REQUIRE_MESSAGE(s, why(s));
  return std::move(*s);
}

inline void put_ok(logged_store& s, const std::vector<intent_record>& recs) {
  auto put = s.put(recs);
  REQUIRE_MESSAGE(put, why(put));
}

/// `rec` moved on to `status` one write later.
inline intent_record advanced(intent_record rec, intent_status status,
                              time_us at) {
  rec.status = status;
  rec.updated_at = at;
  rec.history.push_back({status, at});
  ++rec.seq;
  return rec;
}

} // namespace intentd::test
