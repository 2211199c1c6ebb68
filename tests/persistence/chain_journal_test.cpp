#include <doctest/doctest.h>

#include <stdexcept>

#include "persistence/chain_event_codec.hpp"
#include "persistence/chain_journal_lmdb.hpp"
#include "persistence/lmdb_env.hpp"
#include "runtime/model/simulated_chain.hpp"
#include "tests/persistence/store_fixture.hpp"

using namespace intentd;
using intentd::test::temp_dir;

namespace {

chain_journal_options journal_options(const temp_dir& dir) {
  chain_journal_options opts;
  opts.path = (dir.path() / "chain").string();
  opts.sync = false;
  return opts;
}

std::unique_ptr<lmdb_chain_journal>
open_journal(const chain_journal_options& o) {
  auto j = lmdb_chain_journal::open(o);
  REQUIRE_MESSAGE(j, intentd::test::why(j));
  return std::move(*j);
}

simulated_chain chain_on(std::unique_ptr<chain_journal> journal) {
  token_registry tokens(
      {{"usdc.near", 6, pow10(9)}, {"wrap.near", 24, 5 * pow10(9)}});
  return simulated_chain(tokens, simulated_chain_options{}, std::move(journal));
}

intent swap(const std::string& id) {
  intent in;
  in.id = id;
  in.user_account = "alice.near";
  in.action = action_kind::swap;
  in.input_token = "usdc.near";
  in.input_amount = 10 * pow10(6);
  in.output_token = "wrap.near";
  return in;
}

} // namespace

TEST_CASE("chain event codec round-trips and refuses foreign bytes") {
  chain_event e{chain_event_kind::execute,
                "i1",
                "bob.near",
                "wrap.near",
                pow10(30) + 7,
                "0xabc",
                42};
  auto bytes = encode_chain_event(e);
  auto back = decode_chain_event(bytes);
  REQUIRE(back);
  CHECK(*back == e);
  auto other = bytes;
  other[2] = 9;
  CHECK_FALSE(decode_chain_event(other));
  for (std::size_t n = 0; n < bytes.size(); ++n)
    CHECK_FALSE(decode_chain_event(bytes.substr(0, n)));
  CHECK_FALSE(decode_chain_event(bytes + "x"));
  auto bad_kind = bytes;
  bad_kind[7] = 9; // after magic, version and checksum
  CHECK_FALSE(decode_chain_event(bad_kind));
}

TEST_CASE("chain event codec writes settlements in version 3, others in 2") {
  chain_event e{chain_event_kind::settle,
                "i1",
                "bob.near",
                "wrap.near",
                pow10(30) + 7,
                "0xabc",
                42};
  e.payer = "alice.near";
  e.payer_token = "usdc.near";
  e.refund = 29'000;
  e.solver_account = "acme.near";
  e.solver_received = pow10(7) + 1'000;
  e.solver_paid = pow10(30) + 7;
  e.fee = 1'000;
  auto bytes = encode_chain_event(e);
  CHECK(static_cast<uint8_t>(bytes[2]) == chain_event_settle_version);
  auto back = decode_chain_event(bytes);
  REQUIRE(back);
  CHECK(*back == e);
  for (std::size_t n = 0; n < bytes.size(); ++n)
    CHECK_FALSE(decode_chain_event(bytes.substr(0, n)));
  CHECK_FALSE(decode_chain_event(bytes + "x"));
  // An execute event keeps version 2, which older daemons read.
  chain_event plain{
      chain_event_kind::execute, "i2", "bob.near", "wrap.near", 5, "0xdef", 43};
  auto old = encode_chain_event(plain);
  CHECK(static_cast<uint8_t>(old[2]) == chain_event_format_version);
  REQUIRE(decode_chain_event(old));
  CHECK(*decode_chain_event(old) == plain);
}

TEST_CASE("a settlement on the LMDB journal is indexed and replayed") {
  temp_dir dir;
  auto opts = journal_options(dir);
  const settlement acme{"acme", "acme.near", 2 * pow10(24), 500};
  std::string hash;
  units acme_wrap = 0;
  {
    auto chain = chain_on(open_journal(opts));
    REQUIRE(chain.verify(swap("s1")).fault == chain_fault::none);
    auto r = chain.settle(swap("s1"), acme);
    REQUIRE(r.fault == chain_fault::none);
    hash = r.tx_hash;
    acme_wrap = chain.balance("acme.near", "wrap.near");
    REQUIRE(chain.commit());
  }
  {
    auto chain = chain_on(open_journal(opts));
    CHECK(chain.balance("acme.near", "wrap.near") == acme_wrap);
    CHECK(chain.settle(swap("s1"), acme).fault ==
          chain_fault::already_executed);
    CHECK(chain.intent_state("s1") == chain_intent_state::executed);
    auto landed = chain.execution_of("s1");
    REQUIRE(landed);
    CHECK(landed->tx_hash == hash);
    CHECK(landed->solver_account == "acme.near");
    CHECK(landed->total_cost == 500);
    REQUIRE(chain.tx_status(hash));
    CHECK(chain.tx_status(hash)->status == "success");
  }
  auto executions = read_chain_executions(opts.path);
  REQUIRE_MESSAGE(executions, intentd::test::why(executions));
  CHECK(*executions == std::map<std::string, uint32_t>{{"s1", 1}});
}

TEST_CASE("a chain reopened on its LMDB journal never executes twice") {
  temp_dir dir;
  auto opts = journal_options(dir);
  std::string hash;
  units alice = 0;
  units bob = 0;
  {
    auto chain = chain_on(open_journal(opts));
    auto in = swap("s1");
    in.recipient = "bob.near";
    REQUIRE(chain.verify(in).fault == chain_fault::none);
    auto r = chain.execute(in, "solver-1");
    REQUIRE(r.fault == chain_fault::none);
    hash = r.tx_hash;
    REQUIRE(chain.verify(swap("s2")).fault == chain_fault::none);
    alice = chain.balance("alice.near", "usdc.near");
    bob = chain.balance("bob.near", "wrap.near");
  }
  {
    auto journal = open_journal(opts);
    CHECK(journal->size() == 3);
    auto chain = chain_on(std::move(journal));
    auto in = swap("s1");
    in.recipient = "bob.near";
    CHECK(chain.execute(in, "solver-2").fault == chain_fault::already_executed);
    CHECK(chain.executions_of("s1") == 1);
    CHECK(chain.balance("alice.near", "usdc.near") == alice);
    CHECK(chain.balance("bob.near", "wrap.near") == bob);
    REQUIRE(chain.tx_status(hash));
    CHECK(chain.tx_status(hash)->status == "success");
    CHECK(chain.intent_state("s2") == chain_intent_state::reserved);
    CHECK(chain.execute(swap("s2"), "solver-2").fault == chain_fault::none);
    CHECK(chain.block_height() == 2);
  }
  auto executions = read_chain_executions(opts.path);
  REQUIRE_MESSAGE(executions, intentd::test::why(executions));
  CHECK(*executions == std::map<std::string, uint32_t>{{"s1", 1}, {"s2", 1}});
}

TEST_CASE("the journal map grows while events are appended") {
  temp_dir dir;
  auto opts = journal_options(dir);
  opts.map_size = 64 * 1024;
  opts.max_map_size = 64ull << 20;
  auto journal = open_journal(opts);
  chain_event e{
      chain_event_kind::reserve, "", "alice.near", "usdc.near", 1, "", 0};
  for (int i = 0; i < 3000; ++i) {
    e.intent_id = "intent-" + std::to_string(i);
    REQUIRE_MESSAGE(journal->record(e), journal->last_problem().message);
  }
  CHECK(journal->size() == 3000);
  uint64_t seen = 0;
  CHECK(journal->replay([&](const chain_event&) { ++seen; }));
  CHECK(seen == 3000);
}

TEST_CASE("a journal at its map cap refuses the event and the chain moves on") {
  temp_dir dir;
  auto opts = journal_options(dir);
  opts.map_size = 64 * 1024;
  opts.max_map_size = 64 * 1024;
  auto journal = open_journal(opts);
  chain_event e{chain_event_kind::reserve, "", "alice.near", "usdc.near", 1,
                std::string(1000, 'h'),    0};
  bool refused = false;
  for (int i = 0; i < 200 && !refused; ++i) {
    e.intent_id = "intent-" + std::to_string(i);
    refused = !journal->record(e);
  }
  REQUIRE(refused);
  CHECK(journal->last_problem().code == errc::storage_unavailable);
}

TEST_CASE("an undecodable journal event stops the chain from starting") {
  temp_dir dir;
  auto opts = journal_options(dir);
  {
    auto journal = open_journal(opts);
    REQUIRE(journal->record(chain_event{}));
  }
  {
    auto env = lmdb::env::create();
    env.set_max_dbs(4);
    env.open(opts.path, MDB_NOSYNC);
    auto t = lmdb::txn::begin(env.handle());
    auto events = lmdb::dbi::open(t.handle(), "events");
    events.put(t.handle(), std::string(7, '\0') + '\1', "garbage");
    t.commit();
  }
  auto journal = open_journal(opts);
  CHECK_THROWS_AS(chain_on(std::move(journal)), std::runtime_error);
  CHECK_FALSE(read_chain_executions(opts.path));
}

TEST_CASE("reading the executions of a missing journal is a problem") {
  temp_dir dir;
  CHECK_FALSE(read_chain_executions((dir.path() / "none").string()));
}

TEST_CASE("a chain on its LMDB journal keeps no history of finished intents") {
  temp_dir dir;
  auto opts = journal_options(dir);
  std::map<std::string, std::string> hashes;
  {
    auto chain = chain_on(open_journal(opts));
    for (int i = 0; i < 1000; ++i) {
      auto in = swap("i" + std::to_string(i));
      REQUIRE(chain.verify(in).fault == chain_fault::none);
      auto r = chain.execute(in, "solver-1");
      REQUIRE(r.fault == chain_fault::none);
      hashes[in.id] = r.tx_hash;
      // Lookups see the batch before it is flushed.
      CHECK(chain.execution_of(in.id)->tx_hash == r.tx_hash);
      if (i % 100 == 99)
        REQUIRE(chain.commit());
    }
    CHECK(chain.history_in_memory() == 0);
    CHECK(chain.live_intents() == 0);
    CHECK(chain.intent_state("i7") == chain_intent_state::executed);
    CHECK(chain.execute(swap("i7"), "s").fault ==
          chain_fault::already_executed);
  }
  auto chain = chain_on(open_journal(opts));
  CHECK(chain.history_in_memory() == 0);
  CHECK(chain.live_intents() == 0);
  CHECK(chain.block_height() == 1000);
  for (const auto& [id, hash] : hashes) {
    CHECK(chain.verify(swap(id)).fault == chain_fault::already_executed);
    CHECK(chain.execute(swap(id), "s").fault == chain_fault::already_executed);
    auto landed = chain.execution_of(id);
    REQUIRE(landed);
    CHECK(landed->tx_hash == hash);
    CHECK(landed->credited == 2 * pow10(24));
    auto tx = chain.tx_status(hash);
    REQUIRE(tx);
    CHECK(tx->intent_id == id);
    CHECK(tx->status == "success");
    CHECK(chain.intent_state(id) == chain_intent_state::executed);
  }
  CHECK(chain.executions_by_intent().size() == 1000);
  CHECK(chain.history_in_memory() == 0);
  CHECK_FALSE(chain.tx_status("0xnone"));
  CHECK(chain.intent_state("never") == chain_intent_state::unknown);
}

TEST_CASE("journal lookups see events of the open batch") {
  temp_dir dir;
  auto journal = open_journal(journal_options(dir));
  chain_event held{
      chain_event_kind::reserve, "r1", "alice.near", "usdc.near", 5, "", 0};
  chain_event landed{
      chain_event_kind::execute, "r1", "bob.near", "usdc.near", 4, "0xh1", 1};
  REQUIRE(journal->record(held));
  CHECK(*journal->executions("r1") == 0);
  CHECK_FALSE(*journal->final_event("r1"));
  REQUIRE(journal->record(landed));
  CHECK(*journal->executions("r1") == 1);
  CHECK(**journal->final_event("r1") == landed);
  CHECK(**journal->tx_event("0xh1") == landed);
  REQUIRE(journal->flush());
  CHECK(**journal->final_event("r1") == landed);
  CHECK_FALSE(*journal->tx_event("0xh2"));
}

TEST_CASE("a journal without an index is indexed when it opens") {
  temp_dir dir;
  auto opts = journal_options(dir);
  {
    auto chain = chain_on(open_journal(opts));
    REQUIRE(chain.verify(swap("s1")).fault == chain_fault::none);
    REQUIRE(chain.execute(swap("s1"), "solver-1").fault == chain_fault::none);
  }
  {
    // As a journal written before the index existed.
    auto env = lmdb::env::create();
    env.set_max_dbs(8);
    env.open(opts.path, MDB_NOSYNC);
    auto t = lmdb::txn::begin(env.handle());
    for (const char* name : {"finals", "txs", "meta", "executions"})
      lmdb::dbi::open(t.handle(), name).clear(t.handle());
    t.commit();
  }
  auto chain = chain_on(open_journal(opts));
  CHECK(chain.execute(swap("s1"), "s").fault == chain_fault::already_executed);
  CHECK(chain.intent_state("s1") == chain_intent_state::executed);
  CHECK(chain.execution_of("s1"));
  CHECK(chain.executions_by_intent() ==
        std::map<std::string, uint32_t>{{"s1", 1}});
}
