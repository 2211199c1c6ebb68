#include <doctest/doctest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/model/simulated_chain.hpp"

using namespace intentd;

namespace {

/// An index that cannot be read.
class broken_history final : public chain_history {
public:
  outcome<uint32_t> executions(const std::string&) override { return fail(); }
  outcome<std::optional<chain_event>> final_event(const std::string&) override {
    return fail();
  }
  outcome<std::optional<chain_event>> tx_event(const std::string&) override {
    return fail();
  }
  bool each_execution(
      const std::function<void(const std::string&, uint32_t)>&) override {
    return false;
  }

private:
  static problem fail() { return {errc::storage_unavailable, "broken", {}}; }
};

/// A journal kept in memory, shared by the chains built on it. It keeps no
/// index, unless `index` is set.
class memory_journal final : public chain_journal {
public:
  struct log {
    std::vector<chain_event> events;
    bool refuse = false;
    bool unreadable = false;
    chain_history* index = nullptr;
  };

  explicit memory_journal(std::shared_ptr<log> log) : log_(std::move(log)) {}

  bool record(const chain_event& event) override {
    if (log_->refuse)
      return false;
    log_->events.push_back(event);
    return true;
  }

  bool replay(const std::function<void(const chain_event&)>& fn) override {
    for (const auto& e : log_->events)
      fn(e);
    return !log_->unreadable;
  }

  chain_history* history() override { return log_->index; }

private:
  std::shared_ptr<log> log_;
};

simulated_chain chain_on(const std::shared_ptr<memory_journal::log>& log,
                         double revert_rate = 0.0) {
  simulated_chain_options opts;
  opts.revert_rate = revert_rate;
  token_registry tokens(
      {{"usdc.near", 6, pow10(9)}, {"wrap.near", 24, 5 * pow10(9)}});
  return simulated_chain(tokens, opts, std::make_unique<memory_journal>(log));
}

intent pay(const std::string& id, const std::string& to) {
  intent in;
  in.id = id;
  in.user_account = "alice.near";
  in.action = action_kind::transfer;
  in.input_token = "usdc.near";
  in.input_amount = 5 * pow10(6);
  in.recipient = to;
  return in;
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

TEST_CASE("a chain rebuilt on the journal refuses to execute again") {
  auto log = std::make_shared<memory_journal::log>();
  std::string hash;
  units alice = 0;
  {
    auto chain = chain_on(log);
    auto in = swap("s1");
    REQUIRE(chain.verify(in).fault == chain_fault::none);
    auto r = chain.execute(in, "solver-1");
    REQUIRE(r.fault == chain_fault::none);
    hash = r.tx_hash;
    alice = chain.balance("alice.near", "usdc.near");
  }
  CHECK(log->events.size() == 2);
  auto again = chain_on(log);
  CHECK(again.execute(swap("s1"), "solver-2").fault ==
        chain_fault::already_executed);
  CHECK(again.verify(swap("s1")).fault == chain_fault::already_executed);
  CHECK(again.executions_of("s1") == 1);
  CHECK(again.executions_by_intent() ==
        std::map<std::string, uint32_t>{{"s1", 1}});
  CHECK(again.intent_state("s1") == chain_intent_state::executed);
  CHECK(again.balance("alice.near", "usdc.near") == alice);
  CHECK(again.balance("alice.near", "wrap.near") > 1'000'000 * pow10(24));
  CHECK(again.block_height() == 1);
  auto tx = again.tx_status(hash);
  REQUIRE(tx);
  CHECK(tx->intent_id == "s1");
  CHECK(tx->status == "success");
  CHECK(log->events.size() == 2);
  // What recovery needs to complete the intent with its transaction.
  auto landed = again.execution_of("s1");
  REQUIRE(landed);
  CHECK(landed->tx_hash == hash);
  CHECK(landed->credited == 2 * pow10(24)); // 10 usdc at 1 -> 2 wrap at 5
  CHECK(landed->gas_used > 0);
  CHECK_FALSE(again.execution_of("never"));
  // The journal keeps no index: the chain remembers the intent itself.
  CHECK(again.history_in_memory() > 0);
}

TEST_CASE("reservations, releases and reverts survive a rebuild") {
  auto log = std::make_shared<memory_journal::log>();
  std::string reverted_hash;
  {
    auto chain = chain_on(log, 1.0);
    REQUIRE(chain.verify(pay("held", "bob.near")).fault == chain_fault::none);
    REQUIRE(chain.verify(pay("freed", "bob.near")).fault == chain_fault::none);
    chain.release("freed");
    REQUIRE(chain.verify(pay("bad", "bob.near")).fault == chain_fault::none);
    auto r = chain.execute(pay("bad", "bob.near"), "solver-1");
    REQUIRE(r.fault == chain_fault::reverted);
    reverted_hash = r.tx_hash;
  }
  auto chain = chain_on(log);
  CHECK(chain.intent_state("held") == chain_intent_state::reserved);
  CHECK(chain.intent_state("freed") == chain_intent_state::released);
  CHECK(chain.intent_state("bad") == chain_intent_state::reverted);
  CHECK(chain.tx_status(reverted_hash)->status == "reverted");
  units gas = 30'000;
  CHECK(chain.balance("alice.near", "usdc.near") ==
        1'000'000 * pow10(6) - (5 * pow10(6) + gas) - gas);
  auto r = chain.execute(pay("held", "bob.near"), "solver-2");
  CHECK(r.fault == chain_fault::none);
  CHECK(chain.block_height() == 2);
  CHECK(chain.balance("bob.near", "usdc.near") ==
        1'000'000 * pow10(6) + 5 * pow10(6));
}

TEST_CASE("a settlement survives a rebuild and is never made twice") {
  auto log = std::make_shared<memory_journal::log>();
  const units output = 2 * pow10(24);
  const units fee = 1'000;
  const settlement acme{"acme", "acme.near", output, fee};
  std::string hash;
  units alice_usdc = 0;
  units alice_wrap = 0;
  units acme_usdc = 0;
  units acme_wrap = 0;
  {
    auto chain = chain_on(log);
    REQUIRE(chain.verify(swap("s1")).fault == chain_fault::none);
    auto r = chain.settle(swap("s1"), acme);
    REQUIRE(r.fault == chain_fault::none);
    hash = r.tx_hash;
    // A refused settlement is not journaled.
    REQUIRE(chain.verify(pay("p1", "bob.near")).fault == chain_fault::none);
    REQUIRE(chain
                .settle(pay("p1", "bob.near"),
                        settlement{"acme", "acme.near", 0, 30'001})
                .fault == chain_fault::reverted);
    alice_usdc = chain.balance("alice.near", "usdc.near");
    alice_wrap = chain.balance("alice.near", "wrap.near");
    acme_usdc = chain.balance("acme.near", "usdc.near");
    acme_wrap = chain.balance("acme.near", "wrap.near");
  }
  REQUIRE(log->events.size() == 3);
  CHECK(log->events[1].kind == chain_event_kind::settle);
  CHECK(log->events[1].solver_account == "acme.near");
  CHECK(log->events[1].fee == fee);
  auto again = chain_on(log);
  CHECK(again.balance("alice.near", "usdc.near") == alice_usdc);
  CHECK(again.balance("alice.near", "wrap.near") == alice_wrap);
  CHECK(again.balance("acme.near", "usdc.near") == acme_usdc);
  CHECK(again.balance("acme.near", "wrap.near") == acme_wrap);
  CHECK(acme_wrap == 1'000'000 * pow10(24) - output);
  CHECK(alice_wrap == 1'000'000 * pow10(24) + output);
  CHECK(acme_usdc == 1'000'000 * pow10(6) + 10 * pow10(6) + fee);
  // Paid: the swap's input and fee, and p1's reservation (input and gas).
  CHECK(alice_usdc ==
        1'000'000 * pow10(6) - 10 * pow10(6) - fee - (5 * pow10(6) + 30'000));
  CHECK(again.block_height() == 1);
  CHECK(again.intent_state("s1") == chain_intent_state::executed);
  CHECK(again.intent_state("p1") == chain_intent_state::reserved);
  CHECK(again.settle(swap("s1"), acme).fault == chain_fault::already_executed);
  CHECK(again.execute(swap("s1"), "solver-1").fault ==
        chain_fault::already_executed);
  CHECK(again.executions_by_intent() ==
        std::map<std::string, uint32_t>{{"s1", 1}});
  auto landed = again.execution_of("s1");
  REQUIRE(landed);
  CHECK(landed->tx_hash == hash);
  CHECK(landed->credited == output);
  CHECK(landed->total_cost == fee);
  CHECK(landed->solver_account == "acme.near");
  REQUIRE(again.tx_status(hash));
  CHECK(again.tx_status(hash)->status == "success");
  CHECK(log->events.size() == 3);
}

TEST_CASE("a journal that cannot record leaves the chain unchanged") {
  auto log = std::make_shared<memory_journal::log>();
  auto chain = chain_on(log);
  log->refuse = true;
  // A storage wait, not a network fault: it spends no retry budget.
  CHECK(chain.verify(pay("p1", "bob.near")).fault ==
        chain_fault::storage_unavailable);
  CHECK(chain.intent_state("p1") == chain_intent_state::unknown);
  CHECK(chain.balance("alice.near", "usdc.near") == 1'000'000 * pow10(6));
  log->refuse = false;
  REQUIRE(chain.verify(pay("p1", "bob.near")).fault == chain_fault::none);
  log->refuse = true;
  CHECK(chain.execute(pay("p1", "bob.near"), "s").fault ==
        chain_fault::storage_unavailable);
  CHECK(chain.executions_of("p1") == 0);
  CHECK(chain.block_height() == 0);
  log->refuse = false;
  CHECK(chain.execute(pay("p1", "bob.near"), "s").fault == chain_fault::none);
  CHECK(chain.executions_of("p1") == 1);
}

TEST_CASE("a journal that cannot be replayed stops start-up") {
  auto log = std::make_shared<memory_journal::log>();
  log->unreadable = true;
  CHECK_THROWS_AS(chain_on(log), std::runtime_error);
}

TEST_CASE("an unreadable history refuses execution with a retryable fault") {
  auto log = std::make_shared<memory_journal::log>();
  broken_history broken;
  log->index = &broken;
  auto chain = chain_on(log);
  CHECK(chain.verify(pay("p1", "bob.near")).fault ==
        chain_fault::network_error);
  CHECK(chain.execute(pay("p1", "bob.near"), "s").fault ==
        chain_fault::network_error);
  CHECK(chain.intent_state("p1") == chain_intent_state::unknown);
  CHECK_FALSE(chain.execution_of("p1"));
  CHECK(chain.executions_of("p1") == 0);
  CHECK(chain.history_in_memory() == 0);
  CHECK(log->events.empty());
}
