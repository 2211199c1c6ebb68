#include <doctest/doctest.h>

#include <fstream>
#include <functional>
#include <iterator>
#include <mutex>
#include <string>
#include <vector>

#include "persistence/chain_event_codec.hpp"
#include "persistence/chain_journal_lmdb.hpp"
#include "persistence/chain_snapshot_codec.hpp"
#include "persistence/checksum.hpp"
#include "persistence/lmdb_env.hpp"
#include "persistence/record_codec.hpp"
#include "persistence/store_keys.hpp"
#include "persistence/store_verify.hpp"
#include "tests/persistence/store_fixture.hpp"

using namespace intentd;
using intentd::test::fast_options;
using intentd::test::make_record;
using intentd::test::open_store;
using intentd::test::temp_dir;
using intentd::test::value_of;

namespace {

/// Edits the environment in `path` directly, with the store closed.
void raw_edit(
    const std::string& path,
    const std::function<void(MDB_txn*, lmdb::dbi (*)(MDB_txn*, const char*))>&
        fn) {
  auto env = lmdb::env::create();
  env.set_max_dbs(16);
  env.open(path, MDB_NOSYNC);
  auto t = lmdb::txn::begin(env.handle());
  fn(t.handle(),
     [](MDB_txn* t, const char* name) { return lmdb::dbi::open(t, name); });
  t.commit();
}

/// Flips one byte of the value of `key` in `table`.
void flip(const std::string& path, const char* table, const std::string& key,
          std::size_t at) {
  raw_edit(path, [&](MDB_txn* t, auto open) {
    auto db = open(t, table);
    std::string_view v;
    REQUIRE(db.get(t, key, v));
    std::string bad(v);
    REQUIRE(at < bad.size());
    bad[at] = static_cast<char>(bad[at] ^ 0x20);
    db.put(t, key, bad);
  });
}

intent_record signed_record(const std::string& id, uint64_t nonce, time_us at) {
  auto rec = make_record(id, "alice.near", intent_status::completed, at);
  rec.request.nonce = nonce;
  rec.execution.transactions = {{"0x" + id, "near", "success"}};
  return rec;
}

/// A store with three signed, executed records and a registered key.
store_options filled_store(const temp_dir& dir) {
  auto opts = fast_options(dir);
  auto store = open_store(opts);
  REQUIRE(store.put({signed_record("a1", 1, 100), signed_record("a2", 2, 200),
                     signed_record("a3", 3, 300)}));
  REQUIRE(store.put_account_key("alice.near", std::string(32, 'k')));
  return opts;
}

bool names(const std::vector<std::string>& lines, const std::string& what) {
  for (const auto& l : lines)
    if (l.find(what) != std::string::npos)
      return true;
  return false;
}

} // namespace

TEST_CASE("a flipped byte in a stored record is storage_corrupt, not a "
          "garbage record and not a missing one") {
  temp_dir dir;
  auto opts = filled_store(dir);
  // The user account, well inside the record.
  flip(opts.path, "records", "a2", 12);
  std::mutex m;
  std::vector<problem> reported;
  opts.on_corrupt = [&](const problem& p) {
    std::lock_guard<std::mutex> lock(m);
    reported.push_back(p);
  };
  auto store = open_store(opts);
  auto found = store.find("a2");
  REQUIRE_FALSE(found);
  CHECK(found.error().code == errc::storage_corrupt);
  CHECK(found.error().message.find("intent a2") != std::string::npos);
  CHECK(found.error().message.find("checksum") != std::string::npos);
  auto got = store.get("a2");
  REQUIRE_FALSE(got);
  CHECK(got.error().code == errc::storage_corrupt);
  CHECK(got.error().message == found.error().message);
  // The others are served; a listing that meets the damaged one says so.
  auto ok = store.find("a1");
  REQUIRE(ok);
  REQUIRE(*ok);
  CHECK((*ok)->request.user_account == "alice.near");
  auto page = store.list(list_query{});
  REQUIRE_FALSE(page);
  CHECK(page.error().code == errc::storage_corrupt);
  CHECK(page.error().message.find("intent a2") != std::string::npos);
  CHECK(store.corrupt_count() == 3);
  REQUIRE(reported.size() == 3);
  CHECK(reported[0].code == errc::storage_corrupt);
  // A missing id is still nothing, not damage.
  auto none = store.find("zz");
  REQUIRE(none);
  CHECK_FALSE(*none);
}

TEST_CASE("a record stored under another id's key is storage_corrupt") {
  temp_dir dir;
  auto opts = filled_store(dir);
  raw_edit(opts.path, [&](MDB_txn* t, auto open) {
    auto db = open(t, "records");
    std::string_view v;
    REQUIRE(db.get(t, "a1", v));
    db.put(t, "a3", std::string(v));
  });
  auto store = open_store(opts);
  auto found = store.find("a3");
  REQUIRE_FALSE(found);
  CHECK(found.error().code == errc::storage_corrupt);
}

TEST_CASE("damaged small values are refused, and a damaged nonce stays used") {
  temp_dir dir;
  auto opts = filled_store(dir);
  auto nonce_key = keys::by_nonce("alice.near", 2);
  flip(opts.path, "nonces", nonce_key, 0);
  flip(opts.path, "by_tx", "0xa3", 0);
  flip(opts.path, "account_keys", std::string(32, 'k'), 0);
  uint64_t reported = 0;
  opts.on_corrupt = [&](const problem&) { ++reported; };
  auto store = open_store(opts);
  auto owner = value_of(store.nonce_owner("alice.near", 2));
  REQUIRE(owner);
  CHECK(owner->empty());
  CHECK(value_of(store.nonce_owner("alice.near", 1)) == std::string("a1"));
  // A damaged hash entry is damage, not a hash nobody produced.
  auto by_tx = store.find_by_tx("0xa3");
  REQUIRE_FALSE(by_tx);
  CHECK(by_tx.error().code == errc::storage_corrupt);
  CHECK(by_tx.error().message.find("by_tx") != std::string::npos);
  CHECK(value_of(store.find_by_tx("0xa1")) == std::string("a1"));
  CHECK(value_of(store.load_account_keys()).empty());
  CHECK(reported == 3);
}

TEST_CASE("a store written before checksums opens, reads and is sealed") {
  temp_dir dir;
  auto opts = filled_store(dir);
  // Back to the format of index version 4: records of format 1, the small
  // values bare.
  raw_edit(opts.path, [&](MDB_txn* t, auto open) {
    auto records = open(t, "records");
    for (const char* id : {"a1", "a2", "a3"}) {
      std::string_view v;
      REQUIRE(records.get(t, id, v));
      records.put(t, id, std::string("ir\x01") + std::string(v.substr(7)));
    }
    for (const char* name : {"by_tx", "nonces", "account_keys", "counts"}) {
      auto db = open(t, name);
      auto c = lmdb::cursor::open(t, db);
      std::string_view k;
      std::string_view v;
      std::vector<std::pair<std::string, std::string>> bare;
      for (bool f = c.get(k, v, MDB_FIRST); f; f = c.get(k, v, MDB_NEXT))
        bare.emplace_back(std::string(k), std::string(*unseal_value(k, v)));
      for (const auto& [key, value] : bare)
        db.put(t, key, value);
    }
    open(t, "meta").put(t, "index_version", "4");
  });
  auto check_reads = [](const intent_store& store) {
    auto a2 = store.find("a2");
    REQUIRE(a2);
    REQUIRE(*a2);
    CHECK((*a2)->request.nonce == 2);
    CHECK(value_of(store.find_by_tx("0xa3")) == std::string("a3"));
    CHECK(value_of(store.nonce_owner("alice.near", 1)) == std::string("a1"));
    REQUIRE(value_of(store.load_account_keys()).size() == 1);
    CHECK(value_of(store.load_account_keys())[0].first == "alice.near");
    CHECK(value_of(store.count_by_status())[static_cast<int>(
              intent_status::completed)] == 3);
    auto page = store.list(list_query{});
    REQUIRE(page);
    CHECK(page->items.size() == 3);
    CHECK(store.corrupt_count() == 0);
  };
  {
    auto ro = opts;
    ro.read_only = true;
    auto store = open_store(ro);
    check_reads(store);
  }
  auto report = verify_storage(opts.path);
  REQUIRE(report);
  CHECK_MESSAGE(report->clean(), report->damage.front());
  CHECK(names(report->notes, "3 written before checksums"));
  {
    auto store = open_store(opts); // writable: seals the small values
    check_reads(store);
  }
  raw_edit(opts.path, [&](MDB_txn* t, auto open) {
    std::string_view v;
    REQUIRE(open(t, "meta").get(t, "index_version", v));
    CHECK(v == "5");
    REQUIRE(open(t, "by_tx").get(t, "0xa1", v));
    CHECK(unseal_value("0xa1", v) == std::string_view("a1"));
  });
  report = verify_storage(opts.path);
  REQUIRE(report);
  CHECK(report->clean());
}

TEST_CASE("verify_storage passes a clean store and names what is damaged") {
  temp_dir dir;
  auto opts = filled_store(dir);
  {
    auto store = open_store(opts);
    auto live = make_record("l1", "bob.near", intent_status::pending, 400);
    REQUIRE(store.put({live}));
    REQUIRE(store.put_solver_stats({{"solver-1", 3, 2, 1, 900}}));
  }
  {
    // The chain journal beside it.
    chain_journal_options j;
    j.path = (dir.path() / "chain").string();
    j.sync = false;
    auto journal = lmdb_chain_journal::open(j);
    REQUIRE(journal);
    chain_event e{
        chain_event_kind::execute, "a1", "bob.near", "usdc.near", 5, "0xa1", 1};
    REQUIRE((*journal)->record(e));
    REQUIRE((*journal)->flush());
  }
  auto clean = verify_storage(opts.path);
  REQUIRE(clean);
  CHECK_MESSAGE(clean->clean(), clean->damage.front());
  CHECK(names(clean->notes, "records: 4 entries"));
  CHECK(names(clean->notes, "chain events: 1 entries"));

  raw_edit(opts.path, [&](MDB_txn* t, auto open) {
    auto by_time = open(t, "by_time");
    auto l1 = make_record("l1", "bob.near", intent_status::pending, 400);
    REQUIRE(by_time.del(t, keys::by_time(l1)));
    auto counts = open(t, "counts");
    auto key = keys::status_prefix(intent_status::pending);
    counts.put(t, key, seal_value(key, std::string("\x07\0\0\0\0\0\0\0", 8)));
  });
  raw_edit(opts.path + "/chain", [&](MDB_txn* t, auto open) {
    auto events = open(t, "events");
    std::string_view v;
    auto key = std::string(8, '\0');
    REQUIRE(events.get(t, key, v));
    std::string bad(v);
    bad[10] ^= 1;
    events.put(t, key, bad);
  });
  auto damaged = verify_storage(opts.path);
  REQUIRE(damaged);
  CHECK_FALSE(damaged->clean());
  CHECK(names(damaged->damage, "by_time: no entry for intent l1"));
  CHECK(names(damaged->damage, "counts: pending says 7, the records hold 1"));
  CHECK(names(damaged->damage, "chain events: event 0: chain event refused: "
                               "checksum mismatch"));

  flip(opts.path, "records", "a2", 12);
  damaged = verify_storage(opts.path);
  REQUIRE(damaged);
  CHECK(names(damaged->damage, "records: intent a2: stored record refused: "
                               "checksum mismatch"));
  // Its index entries name a record that cannot be read: not matched, not
  // reported twice; the counts cannot be checked without it.
  CHECK(names(damaged->notes, "counts: not recounted, 1 records"));
}

TEST_CASE("verify_storage checks the chain's ledger snapshot against the "
          "events it folds") {
  temp_dir dir;
  auto opts = filled_store(dir);
  chain_journal_options j;
  j.path = (dir.path() / "chain").string();
  j.sync = false;
  chain_ledger ledger;
  ledger.events = 3;
  ledger.block = 1;
  ledger.balances["alice.near"]["usdc.near"] = 98;
  ledger.balances["bob.near"]["usdc.near"] = 5;
  ledger.reservations["a2"] = {"alice.near", "usdc.near", 1};
  {
    auto journal = lmdb_chain_journal::open(j);
    REQUIRE(journal);
    chain_event reserve{
        chain_event_kind::reserve, "a1", "alice.near", "usdc.near", 1, {}, 0};
    REQUIRE((*journal)->record(reserve));
    reserve.intent_id = "a2";
    REQUIRE((*journal)->record(reserve));
    REQUIRE(
        (*journal)->record(chain_event{chain_event_kind::execute, "a1",
                                       "bob.near", "usdc.near", 5, "0xa1", 1}));
    (*journal)->keep_snapshot(ledger);
    // One more after it.
    reserve.intent_id = "a3";
    REQUIRE((*journal)->record(reserve));
    REQUIRE((*journal)->flush());
  }
  auto clean = verify_storage(opts.path);
  REQUIRE(clean);
  CHECK_MESSAGE(clean->clean(), clean->damage.front());
  CHECK(names(clean->notes, "chain meta: the ledger snapshot at event 3: 2 "
                            "accounts, 1 reservations"));

  auto store_snapshot = [&](const std::string& bytes) {
    raw_edit(opts.path + "/chain", [&](MDB_txn* t, auto open) {
      open(t, "meta").put(t, chain_snapshot_key, bytes);
    });
  };
  auto wrong = ledger;
  wrong.reservations["a1"] = {"alice.near", "usdc.near", 1};
  store_snapshot(encode_chain_snapshot(wrong));
  auto damaged = verify_storage(opts.path);
  REQUIRE(damaged);
  CHECK(names(damaged->damage, "chain meta: the ledger snapshot at event 3 "
                               "holds 2 reservations that differ from the "
                               "events' 1"));
  wrong = ledger;
  wrong.block = 4;
  store_snapshot(encode_chain_snapshot(wrong));
  damaged = verify_storage(opts.path);
  REQUIRE(damaged);
  CHECK(names(damaged->damage, "says block 4, the events reach block 1"));
  wrong = ledger;
  wrong.events = 9;
  store_snapshot(encode_chain_snapshot(wrong));
  damaged = verify_storage(opts.path);
  REQUIRE(damaged);
  CHECK(names(damaged->damage, "the ledger snapshot at event 9 covers events "
                               "the journal does not hold (4 readable"));
  auto bytes = encode_chain_snapshot(ledger);
  bytes[3] ^= 1;
  store_snapshot(bytes);
  damaged = verify_storage(opts.path);
  REQUIRE(damaged);
  CHECK(names(damaged->damage,
              "chain meta: the chain journal's ledger snapshot fails its "
              "checksum"));
}

TEST_CASE("verify_storage refuses a path without a store") {
  temp_dir dir;
  auto r = verify_storage(dir.path().string());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::storage_unavailable);
}

TEST_CASE("a damaged journal event or index entry is storage_corrupt") {
  temp_dir dir;
  chain_journal_options j;
  j.path = (dir.path() / "chain").string();
  j.sync = false;
  {
    auto journal = lmdb_chain_journal::open(j);
    REQUIRE(journal);
    chain_event e{
        chain_event_kind::execute, "i1", "bob.near", "usdc.near", 5, "0xi1", 1};
    REQUIRE((*journal)->record(e));
    REQUIRE((*journal)->flush());
  }
  flip(j.path, "finals", "i1", 3);
  {
    auto journal = lmdb_chain_journal::open(j);
    REQUIRE(journal);
    auto f = (*journal)->final_event("i1");
    REQUIRE_FALSE(f);
    CHECK(f.error().code == errc::storage_corrupt);
    auto t = (*journal)->tx_event("0xi1");
    REQUIRE(t);
    REQUIRE(*t);
  }
  flip(j.path, "events", std::string(8, '\0'), 12);
  auto journal = lmdb_chain_journal::open(j);
  REQUIRE(journal);
  auto t = (*journal)->tx_event("0xi1");
  REQUIRE_FALSE(t);
  CHECK(t.error().code == errc::storage_corrupt);
  CHECK(t.error().message.find("checksum") != std::string::npos);
}

TEST_CASE("a damaged description of an intent in the chain journal is "
          "storage_corrupt, and verify_storage names it") {
  temp_dir dir;
  auto opts = filled_store(dir);
  chain_journal_options j;
  j.path = (dir.path() / "chain").string();
  j.sync = false;
  chain_intent_info info;
  info.intent_id = "d1";
  info.action = action_kind::transfer;
  info.user_account = "bob.near";
  info.input_token = "usdc.near";
  info.input_amount = 5;
  info.recipient = "carol.near";
  info.first_seen = 1'800'000'000'000'000;
  info.last_change = info.first_seen + 7;
  {
    auto journal = lmdb_chain_journal::open(j);
    REQUIRE(journal);
    REQUIRE((*journal)->describe(info));
    REQUIRE((*journal)->flush());
    auto read = (*journal)->intent_info("d1");
    REQUIRE(read);
    REQUIRE(*read);
    CHECK(**read == info);
  }
  auto clean = verify_storage(opts.path);
  REQUIRE(clean);
  CHECK_MESSAGE(clean->clean(), clean->damage.front());
  flip(j.path, "intents", "d1", 3);
  {
    auto journal = lmdb_chain_journal::open(j);
    REQUIRE(journal);
    auto read = (*journal)->intent_info("d1");
    REQUIRE_FALSE(read);
    CHECK(read.error().code == errc::storage_corrupt);
    CHECK(read.error().message.find("d1") != std::string::npos);
  }
  auto damaged = verify_storage(opts.path);
  REQUIRE(damaged);
  CHECK(names(damaged->damage, "intents: chain journal: what the chain keeps "
                               "of intent d1 is refused: its checksum does "
                               "not match"));
}

TEST_CASE("a value that claims to reach past the end of the file is caught") {
  temp_dir dir;
  auto opts = filled_store(dir);
  auto env = lmdb::env::create();
  env.set_max_dbs(16);
  env.open(opts.path, MDB_RDONLY);
  auto bounds = lmdb::map_bounds::of(env.handle());
  auto t = lmdb::txn::begin(env.handle(), MDB_RDONLY);
  auto records = lmdb::dbi::open(t.handle(), "records");
  std::string_view v;
  REQUIRE(records.get(t.handle(), "a1", v));
  CHECK(bounds.contains(env.handle(), v));
  // As a damaged node would claim: the same start, a size of 1 GiB.
  CHECK_FALSE(bounds.contains(env.handle(), {v.data(), std::size_t{1} << 30}));
  // Bytes outside the map (a write transaction's own pages) are not judged.
  std::string heap(64, 'x');
  CHECK(bounds.contains(env.handle(), heap));
}

TEST_CASE("a damaged page that makes LMDB fault is storage_corrupt, not a "
          "crash") {
  temp_dir dir;
  auto opts = filled_store(dir);
  // The leaf node of key "a1" in `records`: data size (4 bytes), flags (2),
  // key size (2) = 2, then the key. Flagged F_DUPDATA (0x04) in a database
  // without duplicates, LMDB 0.9 follows a null pointer on reading it.
  auto file = dir.path() / "data.mdb";
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string node_tail("\0\0\x02\0a1", 6);
  int flagged = 0;
  for (auto at = bytes.find(node_tail); at != std::string::npos;
       at = bytes.find(node_tail, at + 1)) {
    bytes[at] = '\x04';
    ++flagged;
  }
  REQUIRE(flagged > 0);
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  uint64_t reported = 0;
  opts.on_corrupt = [&](const problem&) { ++reported; };
  auto store = open_store(opts);
  auto found = store.find("a1");
  REQUIRE_FALSE(found);
  CHECK(found.error().code == errc::storage_corrupt);
  CHECK(found.error().message.find("intent a1") != std::string::npos);
  CHECK(reported == 1);
  // The process goes on, and so do reads of other pages' records.
  auto a3 = store.find("a3");
  CHECK((a3 || a3.error().code == errc::storage_corrupt));
  auto report = verify_storage(opts.path);
  REQUIRE(report);
  CHECK_FALSE(report->clean());
}
