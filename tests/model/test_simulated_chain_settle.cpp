#include <doctest/doctest.h>

#include <string>

#include "runtime/model/simulated_chain.hpp"

using namespace intentd;

namespace {

constexpr units gas = 30'000;

token_registry test_tokens() {
  return token_registry({
      {"usdc.near", 6, pow10(9)},
      {"wrap.near", 24, 5 * pow10(9)},
  });
}

const units hundred_usdc = 100 * pow10(6);
const units twenty_wrap = 20 * pow10(24);
const units initial_usdc = 1'000'000 * pow10(6);
const units initial_wrap = 1'000'000 * pow10(24);

/// A chain where the solver's account holds `solver_wrap` of wrap.near
/// (and the initial balance of usdc.near).
simulated_chain make_chain(units solver_wrap = 50 * pow10(24),
                           double failure_rate = 0.0,
                           double revert_rate = 0.0) {
  simulated_chain_options opts;
  opts.failure_rate = failure_rate;
  opts.revert_rate = revert_rate;
  opts.account_balances["acme.near"]["wrap.near"] = solver_wrap;
  return simulated_chain(test_tokens(), opts);
}

intent swap(const std::string& id, const std::string& recipient = {}) {
  intent in;
  in.id = id;
  in.user_account = "alice.near";
  in.action = action_kind::swap;
  in.input_token = "usdc.near";
  in.input_amount = hundred_usdc;
  in.output_token = "wrap.near";
  in.min_output_amount = 19 * pow10(24);
  in.max_slippage_bps = 50;
  in.recipient = recipient;
  return in;
}

intent transfer(const std::string& id, action_kind kind = action_kind::transfer,
                const std::string& recipient = "bob.near") {
  intent in;
  in.id = id;
  in.user_account = "alice.near";
  in.action = kind;
  in.input_token = "usdc.near";
  in.input_amount = hundred_usdc;
  in.recipient = recipient;
  return in;
}

settlement by_acme(units output, units fee) {
  return settlement{"acme", "acme.near", output, fee};
}

} // namespace

TEST_CASE("named accounts start with their configured balances") {
  auto chain = make_chain(7);
  CHECK(chain.balance("acme.near", "wrap.near") == 7);
  CHECK(chain.balance("acme.near", "usdc.near") == initial_usdc);
  CHECK(chain.balance("alice.near", "wrap.near") == initial_wrap);
}

TEST_CASE("a swap settles atomically between the user and the solver") {
  auto chain = make_chain();
  auto in = swap("s1");
  REQUIRE(chain.verify(in).fault == chain_fault::none);
  units fee = 10'000; // 0.01 usdc, within the gas reserve
  auto r = chain.settle(in, by_acme(twenty_wrap, fee));
  REQUIRE(r.fault == chain_fault::none);
  CHECK(r.tx_hash.rfind("0x", 0) == 0);
  REQUIRE(r.output_amount);
  CHECK(*r.output_amount == twenty_wrap);
  CHECK(r.total_cost == fee);
  CHECK(r.gas_used == gas);
  // The user paid the input and the fee, and got the quoted output.
  CHECK(chain.balance("alice.near", "usdc.near") ==
        initial_usdc - hundred_usdc - fee);
  CHECK(chain.balance("alice.near", "wrap.near") == initial_wrap + twenty_wrap);
  // The solver got the input and the fee, and paid the output.
  CHECK(chain.balance("acme.near", "usdc.near") ==
        initial_usdc + hundred_usdc + fee);
  CHECK(chain.balance("acme.near", "wrap.near") == 30 * pow10(24));
  // The reservation is spent: nothing stays held, the intent is executed.
  CHECK(chain.live_intents() == 0);
  CHECK(chain.intent_state("s1") == chain_intent_state::executed);
  CHECK(chain.executions_of("s1") == 1);
  auto landed = chain.execution_of("s1");
  REQUIRE(landed);
  CHECK(landed->tx_hash == r.tx_hash);
  CHECK(landed->credited == twenty_wrap);
  CHECK(landed->total_cost == fee);
  CHECK(landed->solver_account == "acme.near");
  auto tx = chain.tx_status(r.tx_hash);
  REQUIRE(tx);
  CHECK(tx->status == "success");
  CHECK(tx->intent_id == "s1");
  CHECK(chain.block_height() == 1);
}

TEST_CASE("a swap with a recipient pays the output to the recipient") {
  auto chain = make_chain();
  auto in = swap("s2", "carol.near");
  REQUIRE(chain.verify(in).fault == chain_fault::none);
  REQUIRE(chain.settle(in, by_acme(twenty_wrap, 0)).fault == chain_fault::none);
  CHECK(chain.balance("carol.near", "wrap.near") == initial_wrap + twenty_wrap);
  CHECK(chain.balance("alice.near", "wrap.near") == initial_wrap);
  // No fee: the whole gas reserve came back to the user.
  CHECK(chain.balance("alice.near", "usdc.near") ==
        initial_usdc - hundred_usdc);
}

TEST_CASE("transfer and stake settle: the action happens, the solver "
          "gets the fee") {
  for (auto kind : {action_kind::transfer, action_kind::stake}) {
    CAPTURE(static_cast<int>(kind));
    auto chain = make_chain();
    auto in = transfer("t1", kind, "pool.near");
    REQUIRE(chain.verify(in).fault == chain_fault::none);
    units fee = gas; // the whole gas reserve
    auto r = chain.settle(in, by_acme(0, fee));
    REQUIRE(r.fault == chain_fault::none);
    CHECK_FALSE(r.output_amount);
    CHECK(r.total_cost == fee);
    CHECK(chain.balance("pool.near", "usdc.near") ==
          initial_usdc + hundred_usdc);
    CHECK(chain.balance("alice.near", "usdc.near") ==
          initial_usdc - hundred_usdc - fee);
    CHECK(chain.balance("acme.near", "usdc.near") == initial_usdc + fee);
    // The solver pays nothing for a transfer.
    CHECK(chain.balance("acme.near", "wrap.near") == 50 * pow10(24));
    auto landed = chain.execution_of("t1");
    REQUIRE(landed);
    CHECK(landed->credited == hundred_usdc);
  }
}

TEST_CASE("a short solver balance is refused with nothing moved") {
  auto chain = make_chain(twenty_wrap - 1);
  auto in = swap("s1");
  REQUIRE(chain.verify(in).fault == chain_fault::none);
  auto r = chain.settle(in, by_acme(twenty_wrap, 10));
  CHECK(r.fault == chain_fault::insufficient_funds);
  CHECK_FALSE(is_retryable(r.fault));
  CHECK(r.tx_hash.empty());
  CHECK(chain.balance("acme.near", "wrap.near") == twenty_wrap - 1);
  CHECK(chain.balance("acme.near", "usdc.near") == initial_usdc);
  CHECK(chain.balance("alice.near", "wrap.near") == initial_wrap);
  CHECK(chain.balance("alice.near", "usdc.near") ==
        initial_usdc - hundred_usdc - gas);
  // The reservation stays for the next quote or the built-in solvers.
  CHECK(chain.intent_state("s1") == chain_intent_state::reserved);
  CHECK(chain.executions_of("s1") == 0);
  CHECK(chain.block_height() == 0);
  CHECK(chain.execute(in, "solver-1").fault == chain_fault::none);
  CHECK(chain.executions_of("s1") == 1);
}

TEST_CASE("settle refuses what the quote or the reservation cannot pay") {
  auto chain = make_chain();
  auto in = swap("s1");
  SUBCASE("not verified") {
    CHECK(chain.settle(in, by_acme(twenty_wrap, 0)).fault ==
          chain_fault::not_verified);
  }
  SUBCASE("a reservation of another amount") {
    REQUIRE(chain.verify(in).fault == chain_fault::none);
    auto other = in;
    other.input_amount += 1;
    CHECK(chain.settle(other, by_acme(twenty_wrap, 0)).fault ==
          chain_fault::not_verified);
  }
  SUBCASE("an output below the intent's minimum") {
    REQUIRE(chain.verify(in).fault == chain_fault::none);
    CHECK(chain.settle(in, by_acme(in.min_output_amount - 1, 0)).fault ==
          chain_fault::slippage);
  }
  SUBCASE("a fee above the gas reserve") {
    REQUIRE(chain.verify(in).fault == chain_fault::none);
    CHECK(chain.settle(in, by_acme(twenty_wrap, gas + 1)).fault ==
          chain_fault::reverted);
  }
  SUBCASE("no solver account, or the user's own") {
    REQUIRE(chain.verify(in).fault == chain_fault::none);
    CHECK(chain.settle(in, settlement{"acme", "", twenty_wrap, 0}).fault ==
          chain_fault::reverted);
    CHECK(chain.settle(in, settlement{"acme", "alice.near", twenty_wrap, 0})
              .fault == chain_fault::reverted);
  }
  CHECK(chain.executions_of("s1") == 0);
  CHECK(chain.balance("acme.near", "wrap.near") == 50 * pow10(24));
  CHECK(chain.balance("alice.near", "wrap.near") == initial_wrap);
  CHECK(chain.block_height() == 0);
}

TEST_CASE("an intent is settled or executed once, never twice") {
  auto chain = make_chain();
  auto in = swap("s1");
  REQUIRE(chain.verify(in).fault == chain_fault::none);
  REQUIRE(chain.settle(in, by_acme(twenty_wrap, 0)).fault == chain_fault::none);
  auto acme = chain.balance("acme.near", "wrap.near");
  CHECK(chain.settle(in, by_acme(twenty_wrap, 0)).fault ==
        chain_fault::already_executed);
  CHECK(chain.execute(in, "solver-1").fault == chain_fault::already_executed);
  CHECK(chain.verify(in).fault == chain_fault::already_executed);
  CHECK(chain.balance("acme.near", "wrap.near") == acme);

  auto t = transfer("t1");
  REQUIRE(chain.verify(t).fault == chain_fault::none);
  REQUIRE(chain.execute(t, "solver-1").fault == chain_fault::none);
  CHECK(chain.settle(t, by_acme(0, 0)).fault == chain_fault::already_executed);
  CHECK(chain.executions_of("t1") == 1);
}

TEST_CASE("settle faults: retryable ones and reverts move nothing") {
  SUBCASE("retryable faults leave no trace and a retry settles") {
    auto chain = make_chain(500 * pow10(24), 0.5);
    int retried = 0;
    for (int i = 0; i < 10; ++i) {
      auto in = swap("s" + std::to_string(i));
      while (chain.verify(in).fault != chain_fault::none) {
      }
      auto acme = chain.balance("acme.near", "wrap.near");
      for (;;) {
        auto r = chain.settle(in, by_acme(twenty_wrap, 0));
        if (r.fault == chain_fault::none)
          break;
        REQUIRE(is_retryable(r.fault));
        ++retried;
        CHECK(r.tx_hash.empty());
        CHECK(chain.intent_state(in.id) == chain_intent_state::reserved);
        CHECK(chain.balance("acme.near", "wrap.near") == acme);
      }
      CHECK(chain.executions_of(in.id) == 1);
      CHECK(chain.balance("acme.near", "wrap.near") == acme - twenty_wrap);
    }
    CHECK(retried > 0);
  }
  SUBCASE("revert_rate 1.0 keeps the reservation") {
    auto chain = make_chain(50 * pow10(24), 0.0, 1.0);
    auto in = swap("s1");
    REQUIRE(chain.verify(in).fault == chain_fault::none);
    auto r = chain.settle(in, by_acme(twenty_wrap, 0));
    CHECK(r.fault == chain_fault::reverted);
    CHECK(r.tx_hash.empty());
    CHECK(chain.intent_state("s1") == chain_intent_state::reserved);
    CHECK(chain.balance("acme.near", "wrap.near") == 50 * pow10(24));
  }
}

TEST_CASE("an adapter that cannot settle answers a fault") {
  struct no_settle final : chain_adapter {
    verify_result verify(const intent&) override { return {}; }
    execute_result execute(const intent&, const std::string&) override {
      return {};
    }
    void release(const std::string&) override {}
    chain_intent_state intent_state(const std::string&) override {
      return chain_intent_state::unknown;
    }
    std::optional<chain_execution> execution_of(const std::string&) override {
      return std::nullopt;
    }
    std::optional<chain_tx> tx_status(const std::string&) override {
      return std::nullopt;
    }
  } chain;
  CHECK_FALSE(chain.settles());
  auto r = chain.settle(swap("s1"), by_acme(twenty_wrap, 0));
  CHECK(r.fault == chain_fault::reverted);
  CHECK_FALSE(is_retryable(r.fault));
  CHECK(r.tx_hash.empty());
  CHECK(make_chain().settles());
}
