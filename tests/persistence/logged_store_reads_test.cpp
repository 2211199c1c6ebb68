// Dead letters, deadlines, retention and purges of a logged store answer
// what a plain intent_store fed the same operations answers, before and
// after checkpoints and replays.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "logged_store_fixture.hpp"

using namespace intentd;
using namespace intentd::test;

namespace {

/// Random lifecycles with dead letters and scattered deadlines and update
/// times, and the purges retention and an operator would make.
class workload {
public:
  explicit workload(uint64_t seed) : rng_(seed) {}

  std::vector<intent_record> batch() {
    std::vector<intent_record> out;
    auto n = 1 + rng_() % 6;
    for (std::size_t i = 0; i < n; ++i) {
      if (recs_.empty() || rng_() % 3 == 0) {
        int k = static_cast<int>(recs_.size());
        auto rec =
            make_record("int_" + std::to_string(10000 + k),
                        k % 2 ? "ann.near" : "bob.near", intent_status::pending,
                        t0 + static_cast<time_us>(rng_() % 400) * 10);
        rec.request.nonce = static_cast<uint64_t>(k);
        rec.request.expires_at = t0 + static_cast<time_us>(rng_() % 50) * 1000;
        recs_.push_back(rec);
        out.push_back(rec);
        continue;
      }
      auto& rec = recs_[rng_() % recs_.size()];
      if (is_terminal(rec.status))
        continue;
      static const intent_status next[] = {
          intent_status::verified, intent_status::executing,
          intent_status::completed, intent_status::failed,
          intent_status::expired};
      auto to = next[rng_() % 5];
      rec = advanced(rec, to,
                     rec.updated_at + static_cast<time_us>(rng_() % 5000));
      if (to == intent_status::failed && rng_() % 2 == 0)
        rec.dead_letter = true;
      if (to == intent_status::executing)
        rec.execution.transactions.push_back(
            {"0x" + rec.request.id + std::to_string(rec.seq), "sim",
             "pending"});
      out.push_back(rec);
    }
    return out;
  }

  const std::vector<intent_record>& all() const { return recs_; }
  uint64_t next(uint64_t n) { return rng_() % n; }
  bool coin(int one_in) { return rng_() % one_in == 0; }

private:
  std::mt19937_64 rng_;
  std::vector<intent_record> recs_;
};

template<class Store>
std::vector<std::string> dead(const Store& s, uint32_t limit) {
  std::vector<std::string> out;
  for (const auto& r : value_of(s.dead_letters(limit)))
    out.push_back(r.request.id + "/" + std::to_string(r.seq));
  return out;
}

void compare(const logged_store& logged, const intent_store& plain,
             const workload& w) {
  for (uint32_t limit : {1u, 3u, 1000u}) {
    CAPTURE(limit);
    CHECK(dead(logged, limit) == dead(plain, limit));
    CHECK(value_of(logged.live_by_expiry(limit)) ==
          value_of(plain.live_by_expiry(limit)));
  }
  CHECK(value_of(logged.dead_letter_count()) ==
        value_of(plain.dead_letter_count()));
  CHECK(value_of(logged.oldest_terminal_update()) ==
        value_of(plain.oldest_terminal_update()));
  CHECK(value_of(logged.count_by_status()) ==
        value_of(plain.count_by_status()));
  for (const auto& rec : w.all()) {
    CAPTURE(rec.request.id);
    auto a = value_of(logged.find(rec.request.id));
    auto b = value_of(plain.find(rec.request.id));
    REQUIRE(a.has_value() == b.has_value());
    if (a)
      CHECK(a->seq == b->seq);
    CHECK(value_of(logged.nonce_owner(rec.request.user_account,
                                      rec.request.nonce)) ==
          value_of(
              plain.nonce_owner(rec.request.user_account, rec.request.nonce)));
    for (const auto& tx : rec.execution.transactions)
      CHECK(value_of(logged.find_by_tx(tx.hash)) ==
            value_of(plain.find_by_tx(tx.hash)));
  }
}

/// The same purge on both stores, with the same answer.
void purge_both(logged_store& logged, intent_store& plain, workload& w) {
  if (w.coin(2)) {
    auto cutoff = t0 + static_cast<time_us>(w.next(12000));
    auto batch = 1 + w.next(4);
    CAPTURE(cutoff);
    CHECK(value_of(logged.purge_terminal_before(cutoff, batch)) ==
          value_of(plain.purge_terminal_before(cutoff, batch)));
  } else {
    const auto& id = w.all()[w.next(w.all().size())].request.id;
    CAPTURE(id);
    CHECK(value_of(logged.purge_dead_letter(id)) ==
          value_of(plain.purge_dead_letter(id)));
  }
}

} // namespace

TEST_CASE("a logged store's dead letters, deadlines, retention and purges "
          "match a plain store fed the same operations") {
  for (uint64_t seed : {1u, 2u, 3u, 4u}) {
    CAPTURE(seed);
    temp_dir a;
    temp_dir b;
    auto o = logged_options(a);
    o.checkpoint_batch = 5;
    auto plain = open_store(fast_options(b));
    workload w(seed);
    uint64_t purged = 0;
    {
      auto logged = open_logged(o);
      for (int round = 0; round < 80; ++round) {
        CAPTURE(round);
        auto recs = w.batch();
        put_ok(logged, recs);
        REQUIRE(plain.put(recs));
        if (w.coin(3))
          purge_both(logged, plain, w);
        if (w.coin(7)) {
          auto done = logged.checkpoint();
          REQUIRE_MESSAGE(done, why(done));
          purged += done->purged;
        }
        if (round % 10 == 9)
          compare(logged, plain, w);
      }
      CHECK(logged.table_size() > 0);
    }
    CHECK(purged > 0);
    // A replay brings back no purged intent.
    auto logged = open_logged(o);
    compare(logged, plain, w);
    REQUIRE(logged.checkpoint());
    CHECK(logged.table_size() == 0);
    compare(logged, plain, w);
  }
}

TEST_CASE("a purge of an intent only in the table, in both, or only in LMDB "
          "survives a replay and is deleted by the next checkpoint") {
  temp_dir dir;
  auto o = logged_options(dir);
  auto dead_rec = [](int i) {
    auto rec = advanced(rec_of(i), intent_status::failed, t0 + i * 1000 + 5);
    rec.dead_letter = true;
    return rec;
  };
  {
    auto s = open_logged(o);
    put_ok(s, {rec_of(1), rec_of(2)});
    put_ok(s, {dead_rec(1)}); // only in LMDB after the checkpoint
    REQUIRE(s.checkpoint());
    put_ok(s, {dead_rec(2)}); // in both: LMDB holds it pending
    put_ok(s, {dead_rec(3)}); // only in the table
    CHECK(value_of(s.dead_letter_count()) == 3);
    for (int i : {1, 2, 3})
      CHECK(value_of(s.purge_dead_letter(dead_rec(i).request.id)));
    CHECK_FALSE(value_of(s.purge_dead_letter(dead_rec(1).request.id)));
    CHECK(value_of(s.dead_letter_count()) == 0);
    CHECK(value_of(s.dead_letters(10)).empty());
    // LMDB still holds two of them until a checkpoint.
    CHECK(value_of(s.store().dead_letter_count()) == 1);
    CHECK(value_of(s.store().find(rec_of(2).request.id)));
  }
  {
    auto s = open_logged(o);
    for (int i : {1, 2, 3})
      CHECK_FALSE(value_of(s.find(rec_of(i).request.id)));
    CHECK(value_of(s.dead_letter_count()) == 0);
    CHECK(value_of(s.count_by_status()) ==
          std::vector<uint64_t>(intent_status_count, 0));
    auto done = value_of(s.checkpoint());
    CHECK(done.purged == 3);
    CHECK(s.table_size() == 0);
    for (int i : {1, 2, 3}) {
      CHECK_FALSE(value_of(s.store().find(rec_of(i).request.id)));
      // Its nonce stays used, also for the one LMDB never held.
      CHECK(value_of(s.nonce_owner("alice.near", 1)));
    }
    CHECK(value_of(s.store().dead_letter_count()) == 0);
  }
  // And after the checkpoint, nothing comes back.
  auto s = open_logged(o);
  CHECK(s.open_report().table_size == 0);
  for (int i : {1, 2, 3})
    CHECK_FALSE(value_of(s.find(rec_of(i).request.id)));
}

TEST_CASE("a purge payload round-trips and a damaged one is refused") {
  auto p = encode_purge_payload("int_9", 7);
  auto e = value_of(decode_log_entry(p, 3));
  CHECK(e.kind == log_kind::purge);
  CHECK(e.rec.request.id == "int_9");
  CHECK(e.rec.seq == 7);
  auto short_one = decode_log_entry(p.substr(0, 10), 3);
  REQUIRE_FALSE(short_one);
  CHECK(short_one.error().code == errc::storage_corrupt);
  auto as_record = decode_log_payload(p, 3);
  REQUIRE_FALSE(as_record);
  CHECK(as_record.error().code == errc::storage_corrupt);
}

TEST_CASE("solver counters and account keys go through the log and match a "
          "plain store's, after a replay and after a checkpoint") {
  temp_dir a;
  temp_dir b;
  auto o = logged_options(a);
  auto plain = open_store(fast_options(b));
  auto stats_of = [](uint64_t solver, uint64_t round) {
    solver_stats st;
    st.solver_id = "solver-" + std::to_string(solver);
    st.attempts = round + 1;
    st.successes = round;
    st.total_execution_us = round * 1000 + solver;
    return st;
  };
  auto same = [&](const logged_store& s) {
    auto x = value_of(s.load_solver_stats());
    auto y = value_of(plain.load_solver_stats());
    REQUIRE(x.size() == y.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
      CHECK(x[i].solver_id == y[i].solver_id);
      CHECK(x[i].attempts == y[i].attempts);
      CHECK(x[i].successes == y[i].successes);
      CHECK(x[i].total_execution_us == y[i].total_execution_us);
    }
    CHECK(value_of(s.load_account_keys()) ==
          value_of(plain.load_account_keys()));
  };
  {
    auto s = open_logged(o);
    for (uint64_t round = 0; round < 12; ++round) {
      std::vector<solver_stats> stats{stats_of(round % 3, round),
                                      stats_of(3, round)};
      REQUIRE(s.put_solver_stats(stats));
      REQUIRE(plain.put_solver_stats(stats));
      auto account = "acct" + std::to_string(round % 5) + ".near";
      auto raw = "key-" + std::to_string(round % 4);
      REQUIRE(s.put_account_key(account, raw));
      REQUIRE(plain.put_account_key(account, raw));
      if (round == 5)
        REQUIRE(s.checkpoint());
      same(s);
    }
    // LMDB holds the state of the checkpoint, not the later writes.
    CHECK(value_of(s.store().load_solver_stats()).size() == 4);
    CHECK(value_of(s.store().load_account_keys()) !=
          value_of(plain.load_account_keys()));
  }
  auto s = open_logged(o);
  same(s);
  REQUIRE(s.checkpoint());
  CHECK(value_of(s.store().load_account_keys()) ==
        value_of(plain.load_account_keys()));
  same(s);
}

TEST_CASE("solver and account-key payloads round-trip; damaged ones are "
          "refused") {
  solver_stats st;
  st.solver_id = "s1";
  st.attempts = 9;
  auto e = value_of(decode_log_entry(encode_solver_payload(st), 1));
  CHECK(e.kind == log_kind::solver_stats);
  CHECK(e.stats.solver_id == "s1");
  CHECK(e.stats.attempts == 9);
  auto k =
      value_of(decode_log_entry(encode_account_key_payload("a.near", "K"), 2));
  CHECK(k.kind == log_kind::account_key);
  CHECK(k.account == "a.near");
  CHECK(k.raw_key == "K");
  auto cut = encode_account_key_payload("a.near", "KEY");
  cut.resize(5);
  CHECK_FALSE(decode_log_entry(cut, 3));
  auto bad = encode_solver_payload(st);
  bad.resize(bad.size() - 1);
  CHECK_FALSE(decode_log_entry(bad, 4));
}
