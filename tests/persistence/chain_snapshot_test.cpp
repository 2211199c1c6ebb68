// The simulated chain's ledger snapshot (docs/durability.md, "The chain's
// ledger snapshot"): a chain restarted from a snapshot and the events after
// it holds the ledger a full replay rebuilds, on both journals, also after
// a crash at any step; a snapshot that does not check is never used.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "persistence/chain_journal_index.hpp"
#include "persistence/chain_snapshot_codec.hpp"
#include "persistence/checksum.hpp"
#include "persistence/lmdb_env.hpp"
#include "runtime/model/simulated_chain.hpp"
#include "tests/persistence/chain_log_fixture.hpp"

using namespace intentd;
using namespace intentd::test;
namespace fs = std::filesystem;

namespace {

/// Hides the journal's snapshots: the chain replays every event.
class full_replay final : public chain_journal {
public:
  explicit full_replay(std::unique_ptr<chain_journal> j) : j_(std::move(j)) {}
  chain_history* history() override { return j_->history(); }
  bool record(const chain_event& e) override { return j_->record(e); }
  bool describe(const chain_intent_info& i) override { return j_->describe(i); }
  bool flush() override { return j_->flush(); }
  bool replay(const std::function<void(const chain_event&)>& fn) override {
    return j_->replay(fn);
  }

private:
  std::unique_ptr<chain_journal> j_;
};

enum class kind { lmdb, log };

/// The journal in `<dir>/chain`: LMDB, or logged with a checkpoint every
/// 20 entries on the caller's thread.
logged_chain_journal_options log_options(const temp_dir& dir) {
  auto o = chain_log_options(dir);
  o.checkpoint_entries = 20;
  return o;
}

std::unique_ptr<chain_journal> open_journal(kind k, const temp_dir& dir) {
  if (k == kind::log)
    return open_chain_log(log_options(dir));
  chain_journal_options o;
  o.path = (dir.path() / "chain").string();
  o.sync = false;
  auto j = lmdb_chain_journal::open(o);
  REQUIRE_MESSAGE(j, why(j));
  return std::move(*j);
}

simulated_chain_options chain_options() {
  simulated_chain_options opts;
  opts.failure_rate = 0.1;
  opts.revert_rate = 0.1;
  opts.snapshot_events = 16;
  opts.initial_balance_tokens = 1'000;
  opts.account_balances["solver.near"]["wrap.near"] = 7 * pow10(24);
  return opts;
}

token_registry tokens() {
  return token_registry(
      {{"usdc.near", 6, pow10(9)}, {"wrap.near", 24, 5 * pow10(9)}});
}

std::unique_ptr<simulated_chain> chain_on(std::unique_ptr<chain_journal> j) {
  return std::make_unique<simulated_chain>(tokens(), chain_options(),
                                           std::move(j));
}

intent intent_of(int i, std::mt19937_64& rng) {
  intent in;
  in.id = "i" + std::to_string(i);
  in.user_account = "user" + std::to_string(rng() % 7) + ".near";
  in.input_token = "usdc.near";
  in.input_amount = (1 + rng() % 50) * pow10(6);
  switch (rng() % 3) {
  case 0:
    in.action = action_kind::swap;
    in.output_token = "wrap.near";
    break;
  case 1:
    in.action = action_kind::transfer;
    in.recipient = "shop" + std::to_string(rng() % 3) + ".near";
    break;
  default:
    in.action = action_kind::stake;
    break;
  }
  return in;
}

/// Intents `from` to `to`: verified, then executed, settled, released or
/// left live, a block (commit) every few; returns what the chain answered.
std::vector<std::string> drive(simulated_chain& c, int from, int to,
                               uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> answers;
  for (int i = from; i < to; ++i) {
    auto in = intent_of(i, rng);
    auto v = c.verify(in);
    answers.push_back(in.id + " verify " +
                      std::to_string(static_cast<int>(v.fault)));
    auto what = rng() % 5;
    if (what < 2) {
      auto r = c.execute(in, "builtin");
      answers.push_back(in.id + " execute " +
                        std::to_string(static_cast<int>(r.fault)) + " " +
                        r.tx_hash);
    } else if (what == 2) {
      settlement s;
      s.solver_account = "solver.near";
      s.fee = 1000;
      s.output_amount = in.action == action_kind::swap ? 3 * pow10(21) : 0;
      auto r = c.settle(in, s);
      answers.push_back(in.id + " settle " +
                        std::to_string(static_cast<int>(r.fault)) + " " +
                        r.tx_hash);
    } else if (what == 3) {
      c.release(in.id);
    }
    if (i % 3 == 2)
      REQUIRE(c.commit());
  }
  REQUIRE(c.commit());
  return answers;
}

/// Both chains hold the same ledger: events, block, reservations, and every
/// balance either knows of.
void check_same_ledger(simulated_chain& a, simulated_chain& b) {
  auto la = a.ledger();
  auto lb = b.ledger();
  CHECK(la.events == lb.events);
  CHECK(la.block == lb.block);
  CHECK(la.reservations == lb.reservations);
  std::set<std::string> accounts;
  for (const auto& [name, _] : la.balances)
    accounts.insert(name);
  for (const auto& [name, _] : lb.balances)
    accounts.insert(name);
  for (const auto& name : accounts)
    for (const char* token : {"usdc.near", "wrap.near"}) {
      CAPTURE(name);
      CAPTURE(token);
      CHECK(a.balance(name, token) == b.balance(name, token));
    }
}

/// The journal in `dir` opened twice on copies, from its snapshot and by a
/// full replay: the same ledger, and the same answers to what comes next.
/// Returns the chain's replay report from the snapshot.
chain_replay_report check_restart(kind k, const temp_dir& dir) {
  temp_dir a_dir;
  temp_dir b_dir;
  copy_dir(dir.path() / "chain", a_dir.path() / "chain");
  copy_dir(dir.path() / "chain", b_dir.path() / "chain");
  auto a = chain_on(open_journal(k, a_dir));
  auto b = chain_on(std::make_unique<full_replay>(open_journal(k, b_dir)));
  CHECK(b->replay_report().snapshot_events == 0);
  check_same_ledger(*a, *b);
  // The block (the next transaction hash) and the faults drawn next.
  CHECK(drive(*a, 1000, 1030, 99) == drive(*b, 1000, 1030, 99));
  check_same_ledger(*a, *b);
  return a->replay_report();
}

/// Edits the chain journal's LMDB in `<dir>/chain` directly.
void raw_edit(const temp_dir& dir,
              const std::function<void(MDB_txn*, const lmdb::dbi& meta,
                                       const lmdb::dbi& events)>& fn) {
  auto env = lmdb::env::create();
  env.set_max_dbs(16);
  env.open((dir.path() / "chain").string(), MDB_NOSYNC);
  auto t = lmdb::txn::begin(env.handle());
  auto meta = lmdb::dbi::open(t.handle(), "meta");
  auto events = lmdb::dbi::open(t.handle(), "events");
  fn(t.handle(), meta, events);
  t.commit();
}

std::string stored_snapshot(const temp_dir& dir) {
  std::string out;
  raw_edit(dir, [&](MDB_txn* t, const lmdb::dbi& meta, const lmdb::dbi&) {
    std::string_view v;
    REQUIRE(meta.get(t, chain_snapshot_key, v));
    out = std::string(v);
  });
  return out;
}

void store_snapshot(const temp_dir& dir, const std::string& bytes) {
  raw_edit(dir, [&](MDB_txn* t, const lmdb::dbi& meta, const lmdb::dbi&) {
    meta.put(t, chain_snapshot_key, bytes);
  });
}

/// `bytes` with its last 4 bytes the CRC-32C of the others again.
std::string resealed(std::string bytes) {
  bytes.resize(bytes.size() - 4);
  uint32_t crc = crc32c(bytes);
  for (int i = 0; i < 4; ++i)
    bytes.push_back(static_cast<char>(crc >> (8 * i)));
  return bytes;
}

} // namespace

TEST_CASE("a ledger snapshot decodes to what was encoded, and refuses "
          "damage and other versions") {
  chain_ledger l;
  l.events = 123456789;
  l.block = 77;
  l.balances["alice.near"]["usdc.near"] = units{1} << 100;
  l.balances["alice.near"]["wrap.near"] = 0;
  l.balances["bob.near"]["usdc.near"] = 5;
  l.reservations["i1"] = {"alice.near", "usdc.near", 30'000 + pow10(20)};
  auto bytes = encode_chain_snapshot(l);
  CHECK(static_cast<uint8_t>(bytes[0]) == chain_snapshot_version);
  auto back = decode_chain_snapshot(bytes);
  REQUIRE_MESSAGE(back, why(back));
  CHECK(*back == l);
  CHECK(decode_chain_snapshot(encode_chain_snapshot(chain_ledger{})));

  for (std::size_t at = 0; at < bytes.size(); ++at) {
    CAPTURE(at);
    auto bad = bytes;
    bad[at] = static_cast<char>(bad[at] ^ 0x04);
    auto r = decode_chain_snapshot(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::storage_corrupt);
  }
  auto other = bytes;
  other[0] = 9;
  auto r = decode_chain_snapshot(resealed(other));
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("unknown version 9") != std::string::npos);
  CHECK_FALSE(decode_chain_snapshot(bytes.substr(0, bytes.size() - 1)));
  CHECK_FALSE(decode_chain_snapshot(""));
}

TEST_CASE("a chain restarted from its snapshot holds the ledger of a full "
          "replay, on both journals") {
  for (kind k : {kind::lmdb, kind::log}) {
    CAPTURE(static_cast<int>(k));
    temp_dir dir;
    temp_dir running; // as a crash would leave it, after a commit
    uint64_t events = 0;
    uint64_t events_running = 0;
    {
      auto c = chain_on(open_journal(k, dir));
      drive(*c, 0, 200, 7);
      events_running = c->events();
      copy_dir(dir.path() / "chain", running.path() / "chain");
      drive(*c, 200, 203, 70);
      events = c->events();
      CHECK(c->live_intents() > 0);
    }
    auto report = check_restart(k, running);
    CHECK(report.snapshot_events > 0);
    CHECK(report.snapshot_events + report.events == events_running);
    CHECK_FALSE(report.snapshot_refused);
    // The snapshot is recent: a threshold's worth of events behind at most
    // (plus a checkpoint's, for the log), and some events after it.
    CHECK(report.events > 0);
    CHECK(report.events < 16 + 40 + 20);
    // A clean stop leaves a snapshot of every event.
    report = check_restart(k, dir);
    CHECK(report.snapshot_events == events);
    CHECK(report.events == 0);
    // Restarted twice: the second start's snapshot is the first's or newer.
    temp_dir again;
    copy_dir(dir.path() / "chain", again.path() / "chain");
    {
      auto c = chain_on(open_journal(k, again));
      drive(*c, 200, 260, 8);
    }
    auto second = check_restart(k, again);
    CHECK(second.snapshot_events >= report.snapshot_events);
  }
}

TEST_CASE("a journal without a snapshot is replayed in full, and the chain's "
          "first snapshot goes with its events") {
  for (kind k : {kind::lmdb, kind::log}) {
    CAPTURE(static_cast<int>(k));
    temp_dir dir;
    {
      auto opts = chain_options();
      opts.snapshot_events = 0;
      simulated_chain c(tokens(), opts, open_journal(k, dir));
      drive(c, 0, 60, 3);
    }
    raw_edit(dir, [&](MDB_txn* t, const lmdb::dbi& meta, const lmdb::dbi&) {
      std::string_view v;
      CHECK_FALSE(meta.get(t, chain_snapshot_key, v));
    });
    auto report = check_restart(k, dir);
    CHECK(report.snapshot_events == 0);
    CHECK_FALSE(report.snapshot_refused);
  }
}

TEST_CASE("a damaged snapshot, one of another version or one beyond the "
          "events falls back to the full replay") {
  for (kind k : {kind::lmdb, kind::log}) {
    for (int damage = 0; damage < 3; ++damage) {
      CAPTURE(static_cast<int>(k));
      CAPTURE(damage);
      temp_dir dir;
      {
        auto c = chain_on(open_journal(k, dir));
        drive(*c, 0, 120, 11);
      }
      auto bytes = stored_snapshot(dir);
      auto ledger = decode_chain_snapshot(bytes);
      REQUIRE(ledger);
      if (damage == 0) {
        bytes[bytes.size() / 2] ^= 0x10;
      } else if (damage == 1) {
        bytes[0] = 2;
        bytes = resealed(bytes);
      } else {
        ledger->events += 1000;
        bytes = encode_chain_snapshot(*ledger);
      }
      store_snapshot(dir, bytes);
      auto report = check_restart(k, dir);
      CHECK(report.snapshot_events == 0);
      REQUIRE(report.snapshot_refused);
      CHECK(report.snapshot_refused->code == errc::storage_corrupt);
      CHECK(report.snapshot_refused->message.find("every event is replayed") !=
            std::string::npos);
    }
  }
}

TEST_CASE("an event missing after the snapshot stops the chain's start") {
  temp_dir dir;
  {
    auto c = chain_on(open_journal(kind::lmdb, dir));
    drive(*c, 0, 120, 11);
  }
  {
    // Events after the snapshot, and no newer one.
    auto opts = chain_options();
    opts.snapshot_events = 0;
    simulated_chain c(tokens(), opts, open_journal(kind::lmdb, dir));
    drive(c, 120, 140, 12);
  }
  auto ledger = decode_chain_snapshot(stored_snapshot(dir));
  REQUIRE(ledger);
  raw_edit(dir, [&](MDB_txn* t, const lmdb::dbi&, const lmdb::dbi& events) {
    REQUIRE(events.del(t, chain_seq_key(ledger->events + 1)));
  });
  CHECK_THROWS_AS(chain_on(open_journal(kind::lmdb, dir)), std::runtime_error);
}

TEST_CASE("a crash at any step of the logged journal with snapshots "
          "recovers the ledger of a full replay") {
  // Copied just before the n-th file operation of the log, and at the
  // start and the commit of the n-th checkpoint.
  int used_snapshot = 0;
  for (int n = 1; n < 2000; ++n) {
    CAPTURE(n);
    temp_dir dir;
    temp_dir at_op;
    temp_dir at_start;
    temp_dir at_commit;
    auto o = log_options(dir);
    o.log.segment_size = 400;
    auto progress = std::make_shared<int>(0);
    auto copied = std::make_shared<int>(-1);
    o.log.fault = copy_before_op(n, o.journal.path, at_op.path() / "chain",
                                 progress, copied);
    auto starts = std::make_shared<int>(0);
    auto commits = std::make_shared<int>(0);
    auto path = o.journal.path;
    auto start_dir = at_start.path() / "chain";
    auto commit_dir = at_commit.path() / "chain";
    o.on_checkpoint_start = [=] {
      if (++*starts == n)
        copy_dir(path, start_dir);
    };
    o.on_checkpoint_committed = [=] {
      if (++*commits == n)
        copy_dir(path, commit_dir);
    };
    {
      auto j = logged_chain_journal::open(o);
      REQUIRE_MESSAGE(j, why(j));
      auto c = chain_on(std::move(*j));
      drive(*c, 0, 90, 5);
    }
    bool any = false;
    for (const temp_dir* copy : {&at_op, &at_start, &at_commit}) {
      if (!fs::exists(copy->path() / "chain"))
        continue;
      any = true;
      auto report = check_restart(kind::log, *copy);
      if (report.snapshot_events > 0)
        ++used_snapshot;
    }
    if (!any)
      break;
  }
  CHECK(used_snapshot > 10);
}

TEST_CASE("an LMDB flush that fails writes neither the snapshot nor its "
          "events, and the next one writes the events without it") {
  temp_dir dir;
  chain_journal_options o;
  o.path = (dir.path() / "chain").string();
  o.sync = false;
  o.map_size = 256 * 1024;
  o.max_map_size = 256 * 1024;
  chain_ledger big;
  for (int i = 0; i < 20'000; ++i)
    big.balances["account-" + std::to_string(i)]["usdc.near"] = 1;
  std::vector<chain_event> events;
  auto each = [&](const chain_event& e) { events.push_back(e); };
  int loaded = 0;
  {
    auto j = lmdb_chain_journal::open(o);
    REQUIRE_MESSAGE(j, why(j));
    REQUIRE((*j)->record(reserve_of("a")));
    REQUIRE((*j)->flush());
    REQUIRE((*j)->record(execute_of("a")));
    REQUIRE((*j)->record(reserve_of("b")));
    big.events = 3;
    (*j)->keep_snapshot(big);
    CHECK_FALSE((*j)->flush());
    CHECK((*j)->last_problem().code == errc::storage_unavailable);
    // The snapshot is best effort: too large for the map, it is dropped
    // and the events go without it.
    REQUIRE((*j)->flush());
  }
  o.max_map_size = 64ull << 20;
  auto j = lmdb_chain_journal::open(o);
  REQUIRE_MESSAGE(j, why(j));
  loaded = 0;
  REQUIRE((*j)->replay_from([&](outcome<chain_ledger>) { ++loaded; }, each));
  CHECK(loaded == 0);
  CHECK(events == std::vector<chain_event>{reserve_of("a"), execute_of("a"),
                                           reserve_of("b")});
  // Written with its events, it is loaded.
  REQUIRE((*j)->record(execute_of("b")));
  chain_ledger small;
  small.events = 4;
  small.block = 2;
  (*j)->keep_snapshot(small);
  REQUIRE((*j)->flush());
  events.clear();
  REQUIRE((*j)->replay_from(
      [&](outcome<chain_ledger> l) {
        REQUIRE(l);
        CHECK(*l == small);
        ++loaded;
      },
      each));
  CHECK(loaded == 1);
  CHECK(events.empty());
}

TEST_CASE("with the checkpointer's thread, snapshots go with the layers it "
          "commits") {
  temp_dir dir;
  auto o = log_options(dir);
  o.checkpointer = true;
  o.checkpoint_interval = std::chrono::milliseconds{0};
  auto committed = std::make_shared<std::atomic<int>>(0);
  o.on_checkpoint_committed = [committed] { ++*committed; };
  uint64_t events = 0;
  {
    auto j = logged_chain_journal::open(o);
    REQUIRE_MESSAGE(j, why(j));
    auto c = chain_on(std::move(*j));
    drive(*c, 0, 200, 21);
    events = c->events();
  }
  CHECK(*committed > 0);
  auto report = check_restart(kind::log, dir);
  CHECK(report.snapshot_events == events);
  CHECK(report.events == 0);
}

TEST_CASE("a snapshot kept at the LMDB journal's close is written, the map "
          "grown for it") {
  temp_dir dir;
  chain_journal_options o;
  o.path = (dir.path() / "chain").string();
  o.sync = false;
  o.map_size = 256 * 1024;
  chain_ledger big;
  big.events = 1;
  for (int i = 0; i < 20'000; ++i)
    big.balances["account-" + std::to_string(i)]["usdc.near"] = 1;
  {
    auto j = lmdb_chain_journal::open(o);
    REQUIRE_MESSAGE(j, why(j));
    REQUIRE((*j)->record(reserve_of("a")));
    REQUIRE((*j)->flush());
    (*j)->keep_snapshot(big);
  }
  auto j = lmdb_chain_journal::open(o);
  REQUIRE_MESSAGE(j, why(j));
  int loaded = 0;
  REQUIRE((*j)->replay_from(
      [&](outcome<chain_ledger> l) {
        REQUIRE_MESSAGE(l, why(l));
        CHECK(*l == big);
        ++loaded;
      },
      [](const chain_event&) {}));
  CHECK(loaded == 1);
}
