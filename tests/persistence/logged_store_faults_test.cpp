// The logged store under failing and interrupted file operations.
#include <doctest/doctest.h>

#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "logged_store_fixture.hpp"

using namespace intentd;
using namespace intentd::test;

TEST_CASE("a checkpoint LMDB cannot take keeps the table and the log") {
  temp_dir dir;
  auto o = logged_options(dir);
  o.store.map_size = 256 * 1024;
  o.store.max_map_size = 512 * 1024;
  o.log.segment_size = 1 << 20;
  // Split, so that the first transactions commit before the map is full:
  // LMDB then holds part of the checkpoint without its sequence.
  o.checkpoint_batch = 100;
  std::vector<intent_record> recs;
  recs.reserve(600);
  for (int i = 0; i < 600; ++i) {
    recs.push_back(rec_of(i));
    recs.back().status_message = std::string(2000, 'x');
  }
  std::size_t segments = 0;
  {
    auto s = open_logged(o);
    for (std::size_t i = 0; i < recs.size(); i += 100)
      put_ok(s, std::vector<intent_record>(recs.begin() + i,
                                           recs.begin() + i + 100));
    segments = wal_files(dir.path()).size();
    auto c = s.checkpoint();
    REQUIRE_FALSE(c);
    CHECK(c.error().code == errc::storage_unavailable);
    CHECK(s.table_size() == 600);
    CHECK(s.checkpoint_seq() == 1);
    CHECK_FALSE(value_of(s.store().checkpoint_seq()));
    CHECK(wal_files(dir.path()).size() == segments);
    CHECK(value_of(s.get(recs[599].request.id)).status_message.size() == 2000);
    list_query q;
    q.limit = 1000;
    CHECK(value_of(s.list(q)).items.size() == 600);
    CHECK(value_of(s.count_by_status())[0] == 600);
  }
  o.store.max_map_size = 64ull << 20;
  auto s = open_logged(o);
  CHECK(s.open_report().log.replayed == 600);
  CHECK(s.open_report().ignored == 0);
  auto c = s.checkpoint();
  REQUIRE_MESSAGE(c, why(c));
  CHECK(c->records == 600);
  CHECK(s.table_size() == 0);
  CHECK(value_of(s.store().count_by_status())[0] == 600);
  CHECK(value_of(s.get(recs[0].request.id)).request.id == recs[0].request.id);
}

TEST_CASE("a failing append leaves the table as it was") {
  temp_dir dir;
  auto o = logged_options(dir);
  o.log.sync = true;
  auto fail = std::make_shared<log_op>(log_op::open);
  auto armed = std::make_shared<bool>(false);
  // Fails the next operation of kind `*fail` once armed, once.
  o.log.fault = [fail, armed](log_op op) {
    if (!*armed || op != *fail)
      return 0;
    *armed = false;
    return EIO;
  };
  auto first = rec_of(1);
  auto next = advanced(first, intent_status::verified, t0 + 1);
  {
    auto s = open_logged(o);
    put_ok(s, {first});
    for (auto op : {log_op::write, log_op::sync}) {
      CAPTURE(static_cast<int>(op));
      *fail = op;
      *armed = true;
      auto put = s.put({next, rec_of(2)});
      REQUIRE_FALSE(put);
      CHECK(put.error().code == errc::storage_unavailable);
      CHECK(value_of(s.get(first.request.id)).seq == 1);
      CHECK_FALSE(value_of(s.find(rec_of(2).request.id)));
      CHECK(s.table_size() == 1);
    }
    put_ok(s, {next});
    CHECK(value_of(s.get(first.request.id)).seq == 2);
  }
  auto s = open_logged(o);
  CHECK(s.open_report().log.replayed == 2);
  CHECK(value_of(s.get(first.request.id)).seq == 2);
  CHECK_FALSE(value_of(s.find(rec_of(2).request.id)));
}

TEST_CASE("whichever log operation fails, acknowledged records survive and "
          "refused ones never come back") {
  for (bool recycle : {false, true})
    for (int n = 1; n < 1000; ++n) {
      CAPTURE(recycle);
      CAPTURE(n);
      temp_dir dir;
      auto o = logged_options(dir);
      o.log.sync = true;
      o.log.segment_size = 1024;
      o.log.recycle = recycle;
      auto count = std::make_shared<int>(0);
      o.log.fault = [count, n](log_op) { return ++*count == n ? EIO : 0; };
      std::vector<int> acked;
      std::vector<int> refused;
      {
        auto s = logged_store::open(o);
        if (s) {
          for (int i = 0; i < 12; ++i) {
            if (s->put({rec_of(i)}))
              acked.push_back(i);
            else
              refused.push_back(i);
            if (i % 4 == 3)
              (void)s->checkpoint();
          }
        }
      }
      bool hit = *count >= n;
      if (recycle && !hit) {
        // The run no fault reached retired segments as spares (and reused
        // them: at most two are kept).
        int spares = 0;
        for (const auto& f :
             std::filesystem::directory_iterator(dir.path() / "wal"))
          spares += f.path().extension() == ".spare";
        CHECK(spares > 0);
      }
      o.log.fault = nullptr;
      auto s = open_logged(o);
      for (int i : acked)
        CHECK(value_of(s.find(rec_of(i).request.id)));
      for (int i : refused)
        CHECK_FALSE(value_of(s.find(rec_of(i).request.id)));
      CHECK(refused.size() <= 1);
      if (!hit)
        break;
    }
}

TEST_CASE("a crash before any log operation loses nothing acknowledged") {
  // The directory is copied just before the n-th file operation of the log,
  // as a crash there leaves it, and the copy opened; with the log's
  // segments recycled too.
  for (bool recycle : {false, true})
    for (int n = 1; n < 1000; ++n) {
      CAPTURE(recycle);
      CAPTURE(n);
      temp_dir dir;
      temp_dir crashed;
      auto o = logged_options(dir);
      o.log.segment_size = 1024;
      o.log.recycle = recycle;
      auto acked = std::make_shared<int>(0);
      auto acked_at_crash = std::make_shared<int>(-1);
      o.log.fault =
          copy_before_op(n, dir.path(), crashed.path(), acked, acked_at_crash);
      {
        auto s = open_logged(o);
        for (int i = 0; i < 12; ++i) {
          put_ok(s, {rec_of(i)});
          ++*acked;
          if (i % 4 == 3)
            REQUIRE(s.checkpoint());
        }
      }
      if (*acked_at_crash < 0)
        break;
      auto c = logged_options(crashed);
      c.log.recycle = recycle;
      auto s = open_logged(c);
      // The record being written when the crash came may be there or not.
      for (int i = 0; i < 12; ++i)
        if (i < *acked_at_crash)
          CHECK(value_of(s.find(rec_of(i).request.id)));
        else if (i > *acked_at_crash)
          CHECK_FALSE(value_of(s.find(rec_of(i).request.id)));
    }
}
