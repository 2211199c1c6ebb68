#include <doctest/doctest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "logged_store_fixture.hpp"

using namespace intentd;
using namespace intentd::test;
namespace fs = std::filesystem;

TEST_CASE("a logged store replays its log after a reopen without a "
          "checkpoint") {
  temp_dir dir;
  auto o = logged_options(dir);
  {
    auto s = open_logged(o);
    put_ok(s, {rec_of(1), rec_of(2)});
    put_ok(s, {rec_of(3)});
    CHECK(s.table_size() == 3);
    // LMDB holds nothing yet: the log alone made them durable.
    CHECK_FALSE(value_of(s.store().find(rec_of(1).request.id)));
  }
  auto s = open_logged(o);
  CHECK(s.open_report().log.replayed == 3);
  CHECK(s.open_report().checkpoint_seq == 1);
  CHECK(s.table_size() == 3);
  for (int i = 1; i <= 3; ++i)
    CHECK(value_of(s.get(rec_of(i).request.id)).created_at ==
          rec_of(i).created_at);
  CHECK(missing(s.get("int_nope")));
  CHECK_FALSE(value_of(s.find("")));
}

TEST_CASE("a probe write is logged and synced, and replay skips it") {
  temp_dir dir;
  auto o = logged_options(dir);
  {
    auto s = open_logged(o);
    put_ok(s, {rec_of(1)});
    auto before = s.log().next_seq();
    auto probed = s.probe_write();
    REQUIRE_MESSAGE(probed, why(probed));
    CHECK(s.log().next_seq() == before + 1);
    CHECK(s.logged_bytes() > 0);
    CHECK(s.table_size() == 1);
  }
  auto s = open_logged(o);
  CHECK(s.open_report().log.replayed == 2);
  CHECK(s.table_size() == 1);
  CHECK(value_of(s.get(rec_of(1).request.id)).seq == rec_of(1).seq);
  auto done = s.checkpoint();
  REQUIRE_MESSAGE(done, why(done));
  CHECK(s.table_size() == 0);
}

TEST_CASE("a checkpoint moves the table into LMDB and truncates the log") {
  temp_dir dir;
  auto o = logged_options(dir);
  {
    auto s = open_logged(o);
    for (int i = 0; i < 40; ++i)
      put_ok(s, {rec_of(i)});
    CHECK(wal_files(dir.path()).size() > 2);
    auto c = s.checkpoint();
    REQUIRE_MESSAGE(c, why(c));
    CHECK(c->seq == 41);
    CHECK(c->records == 40);
    CHECK(c->transactions == 1);
    CHECK(c->segments_removed > 0);
    CHECK(wal_files(dir.path()).size() == 1);
    CHECK(s.table_size() == 0);
    CHECK(s.checkpoint_seq() == 41);
    CHECK(value_of(s.store().checkpoint_seq()) == 41u);
    CHECK(value_of(s.store().find(rec_of(7).request.id)));
    CHECK(value_of(s.get(rec_of(7).request.id)).seq == 1);
    // Nothing new: a second checkpoint writes nothing.
    auto again = s.checkpoint();
    REQUIRE(again);
    CHECK(again->transactions == 0);
  }
  auto s = open_logged(o);
  CHECK(s.open_report().log.replayed == 0);
  CHECK(s.open_report().checkpoint_seq == 41);
  CHECK(s.table_size() == 0);
  CHECK(value_of(s.get(rec_of(39).request.id)).request.id ==
        rec_of(39).request.id);
  put_ok(s, {rec_of(50)});
  CHECK(s.log().report().first_seq <= 41);
}

TEST_CASE("a large checkpoint is split, and only its last transaction "
          "records the sequence") {
  temp_dir dir;
  auto o = logged_options(dir);
  o.checkpoint_batch = 3;
  std::vector<std::uint64_t> seen;
  std::unique_ptr<logged_store> s;
  o.on_checkpoint_committed = [&] {
    seen.push_back(value_of(s->store().checkpoint_seq()).value_or(0));
  };
  s = std::make_unique<logged_store>(open_logged(o));
  std::vector<intent_record> recs;
  recs.reserve(10);
  for (int i = 0; i < 10; ++i)
    recs.push_back(rec_of(i));
  put_ok(*s, recs);
  auto c = s->checkpoint();
  REQUIRE(c);
  CHECK(c->transactions == 4);
  CHECK(c->records == 10);
  CHECK(seen == std::vector<std::uint64_t>{11});
  for (const auto& r : recs)
    CHECK(value_of(s->store().find(r.request.id)));
}

TEST_CASE("an intent written several times keeps its newest record") {
  temp_dir dir;
  auto o = logged_options(dir);
  auto pending = rec_of(1);
  auto executing = advanced(pending, intent_status::executing, t0 + 5);
  executing.execution.transactions.push_back({"0xabc", "sim", "pending"});
  auto done = advanced(executing, intent_status::completed, t0 + 9);
  const auto& id = pending.request.id;
  {
    auto s = open_logged(o);
    put_ok(s, {pending});
    CHECK(s.checkpoint());
    put_ok(s, {executing});
    // A record at a lower seq never moves the intent back.
    put_ok(s, {done, executing});
    CHECK(value_of(s.get(id)).seq == 3);
    CHECK(value_of(s.find_by_tx("0xabc")) == id);
    list_query q;
    q.status = intent_status::pending;
    CHECK(value_of(s.list(q)).items.empty());
    q.status = intent_status::completed;
    CHECK(value_of(s.list(q)).items.size() == 1);
  }
  {
    auto s = open_logged(o);
    CHECK(s.open_report().log.replayed == 3);
    CHECK(s.open_report().ignored == 1);
    CHECK(value_of(s.get(id)).status == intent_status::completed);
    CHECK(s.checkpoint());
  }
  auto s = open_logged(o);
  CHECK(s.table_size() == 0);
  CHECK(value_of(s.get(id)).seq == 3);
  CHECK(value_of(s.store().get(id)).status == intent_status::completed);
}

TEST_CASE("a replayed record older than LMDB's state is ignored") {
  temp_dir dir;
  auto o = logged_options(dir);
  auto rec = rec_of(1);
  {
    auto s = open_logged(o);
    put_ok(s, {rec});
    // LMDB gets a later state behind the log's back, as a split checkpoint
    // cut short leaves it: no checkpoint_seq recorded.
    auto later = advanced(advanced(rec, intent_status::verified, t0 + 1),
                          intent_status::failed, t0 + 2);
    REQUIRE(s.store().put({later}));
  }
  auto s = open_logged(o);
  CHECK(s.open_report().log.replayed == 1);
  CHECK(s.open_report().ignored == 1);
  CHECK(s.table_size() == 0);
  CHECK(value_of(s.get(rec.request.id)).status == intent_status::failed);
}

TEST_CASE("nonces and transactions are found in the table before a "
          "checkpoint and in LMDB after it") {
  temp_dir dir;
  auto s = open_logged(logged_options(dir));
  auto a = rec_of(1);
  a.request.nonce = 77;
  auto b = advanced(a, intent_status::executing, t0 + 1);
  b.execution.transactions.push_back({"0xfeed", "sim", "pending"});
  put_ok(s, {a});
  CHECK(value_of(s.nonce_owner("alice.near", 77)) == a.request.id);
  CHECK_FALSE(value_of(s.nonce_owner("alice.near", 78)));
  CHECK_FALSE(value_of(s.find_by_tx("0xfeed")));
  put_ok(s, {b});
  CHECK(value_of(s.find_by_tx("0xfeed")) == a.request.id);
  REQUIRE(s.checkpoint());
  CHECK(value_of(s.nonce_owner("alice.near", 77)) == a.request.id);
  CHECK(value_of(s.find_by_tx("0xfeed")) == a.request.id);
  // The newer state in the table no longer holds the hash LMDB has.
  auto c = advanced(b, intent_status::executing, t0 + 2);
  c.execution.transactions = {{"0xbeef", "sim", "pending"}};
  put_ok(s, {c});
  CHECK_FALSE(value_of(s.find_by_tx("0xfeed")));
  CHECK(value_of(s.find_by_tx("0xbeef")) == a.request.id);
}

TEST_CASE("a crash between a checkpoint's commit and the log's truncation "
          "replays nothing and truncates later") {
  temp_dir dir;
  temp_dir crashed;
  auto o = logged_options(dir);
  o.on_checkpoint_committed = [&] { copy_dir(dir.path(), crashed.path()); };
  uint64_t segments_before = 0;
  {
    auto s = open_logged(o);
    for (int i = 0; i < 30; ++i)
      put_ok(s, {rec_of(i)});
    segments_before = wal_files(dir.path()).size();
    REQUIRE(segments_before > 1);
    REQUIRE(s.checkpoint());
  }
  CHECK(wal_files(crashed.path()).size() == segments_before);
  auto c = logged_options(crashed);
  auto s = open_logged(c);
  CHECK(s.open_report().checkpoint_seq == 31);
  CHECK(s.open_report().log.replayed == 0);
  CHECK(s.table_size() == 0);
  for (int i = 0; i < 30; ++i)
    CHECK(value_of(s.get(rec_of(i).request.id)).seq == 1);
  put_ok(s, {advanced(rec_of(3), intent_status::verified, t0 + 1)});
  auto cp = s.checkpoint();
  REQUIRE(cp);
  CHECK(cp->segments_removed == segments_before - 1);
  CHECK(wal_files(crashed.path()).size() == 1);
  CHECK(value_of(s.get(rec_of(3).request.id)).seq == 2);
}

TEST_CASE("a torn tail of the log loses only the torn batch") {
  temp_dir dir;
  auto o = logged_options(dir);
  o.log.segment_size = 1 << 20;
  {
    auto s = open_logged(o);
    put_ok(s, {rec_of(1), rec_of(2)});
    put_ok(s, {rec_of(3), rec_of(4)});
  }
  auto path = wal_files(dir.path()).back();
  fs::resize_file(path, fs::file_size(path) - 7);
  auto s = open_logged(o);
  CHECK(s.open_report().log.torn_bytes > 0);
  CHECK(s.open_report().log.torn_seq == 4);
  CHECK(value_of(s.find(rec_of(3).request.id)));
  CHECK_FALSE(value_of(s.find(rec_of(4).request.id)));
  put_ok(s, {rec_of(5)});
  CHECK(s.log().next_seq() == 5);
}

TEST_CASE("LMDB and a log that disagree are refused") {
  temp_dir dir;
  auto o = logged_options(dir);
  {
    auto s = open_logged(o);
    for (int i = 0; i < 30; ++i)
      put_ok(s, {rec_of(i)});
    REQUIRE(s.checkpoint());
    for (int i = 30; i < 60; ++i)
      put_ok(s, {rec_of(i)});
  }
  SUBCASE("the log starts after the checkpoint") {
    fs::remove(wal_files(dir.path()).front());
    auto s = logged_store::open(o);
    REQUIRE_FALSE(s);
    CHECK(s.error().code == errc::storage_corrupt);
    CHECK(s.error().message.find("records from 31 are missing") !=
          std::string::npos);
  }
  SUBCASE("the log is missing") {
    fs::remove_all(dir.path() / "wal");
    auto s = logged_store::open(o);
    REQUIRE_FALSE(s);
    CHECK(s.error().code == errc::storage_corrupt);
    CHECK(s.error().message.find("is missing") != std::string::npos);
  }
  SUBCASE("a record of an unknown kind") {
    CHECK(value_of(decode_log_payload(encode_log_payload(rec_of(70)), 1))
              .request.id == rec_of(70).request.id);
    auto bad = encode_log_payload(rec_of(70));
    bad[1] = 9;
    {
      auto log_opts = o.log;
      log_opts.dir = (dir.path() / "wal").string();
      auto log =
          write_log::open(log_opts, 31, [](uint64_t, std::string_view) {});
      REQUIRE(log);
      CHECK(*log->append({bad}) == 61);
    }
    auto s = logged_store::open(o);
    REQUIRE_FALSE(s);
    CHECK(s.error().code == errc::storage_corrupt);
    CHECK(s.error().message.find("sequence 61 has the unknown kind 9") !=
          std::string::npos);
  }
}
