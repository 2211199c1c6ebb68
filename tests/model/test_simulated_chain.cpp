#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "runtime/model/simulated_chain.hpp"

using namespace intentd;

namespace {

constexpr units gas = 30'000;

token_registry test_tokens() {
  return token_registry({
      {"usdc.near", 6, pow10(9)},
      {"wrap.near", 24, 5 * pow10(9)},
      {"gem.near", 0, 3 * pow10(9)},
  });
}

units initial(uint8_t decimals) {
  return 1'000'000 * pow10(decimals);
}

intent swap(const std::string& id, units amount, units min_output) {
  intent in;
  in.id = id;
  in.user_account = "alice.near";
  in.action = action_kind::swap;
  in.input_token = "usdc.near";
  in.input_amount = amount;
  in.output_token = "wrap.near";
  in.min_output_amount = min_output;
  in.max_slippage_bps = 50;
  return in;
}

intent transfer(const std::string& id, units amount, action_kind kind,
                const std::string& recipient) {
  intent in;
  in.id = id;
  in.user_account = "alice.near";
  in.action = kind;
  in.input_token = "usdc.near";
  in.input_amount = amount;
  in.recipient = recipient;
  return in;
}

simulated_chain make_chain(double failure_rate = 0.0, double revert_rate = 0.0,
                           uint64_t seed = 42) {
  simulated_chain_options opts;
  opts.failure_rate = failure_rate;
  opts.revert_rate = revert_rate;
  opts.seed = seed;
  return simulated_chain(test_tokens(), opts);
}

const units hundred_usdc = 100 * pow10(6);
const units twenty_wrap = 20 * pow10(24);

} // namespace

TEST_CASE("new accounts start with the initial balance of every token") {
  auto chain = make_chain();
  CHECK(chain.balance("alice.near", "usdc.near") == initial(6));
  CHECK(chain.balance("alice.near", "wrap.near") == initial(24));
  CHECK(chain.balance("alice.near", "gem.near") == initial(0));
  CHECK(chain.balance("alice.near", "nope.near") == 0);
  CHECK(chain.intent_state("x") == chain_intent_state::unknown);
  CHECK(chain.block_height() == 0);
}

TEST_CASE("verify reserves the amount plus gas and release gives it back") {
  auto chain = make_chain();
  auto in = swap("i1", hundred_usdc, twenty_wrap);
  CHECK(chain.verify(in).fault == chain_fault::none);
  CHECK(chain.intent_state("i1") == chain_intent_state::reserved);
  CHECK(chain.balance("alice.near", "usdc.near") ==
        initial(6) - hundred_usdc - gas);
  SUBCASE("verifying again reserves nothing more") {
    CHECK(chain.verify(in).fault == chain_fault::none);
    CHECK(chain.balance("alice.near", "usdc.near") ==
          initial(6) - hundred_usdc - gas);
  }
  SUBCASE("release") {
    chain.release("i1");
    CHECK(chain.intent_state("i1") == chain_intent_state::released);
    CHECK(chain.balance("alice.near", "usdc.near") == initial(6));
    chain.release("i1");
    CHECK(chain.balance("alice.near", "usdc.near") == initial(6));
    CHECK(chain.execute(in, "s1").fault == chain_fault::not_verified);
  }
}

TEST_CASE("release of an unknown intent changes nothing") {
  auto chain = make_chain();
  chain.release("ghost");
  CHECK(chain.intent_state("ghost") == chain_intent_state::unknown);
}

TEST_CASE("verify refuses unknown tokens and short balances") {
  auto chain = make_chain();
  auto bad_in = swap("i1", hundred_usdc, 0);
  bad_in.input_token = "nope.near";
  CHECK(chain.verify(bad_in).fault == chain_fault::unknown_token);
  auto bad_out = swap("i2", hundred_usdc, 0);
  bad_out.output_token = "nope.near";
  CHECK(chain.verify(bad_out).fault == chain_fault::unknown_token);
  auto all = transfer("i3", initial(6), action_kind::transfer, "bob.near");
  CHECK(chain.verify(all).fault == chain_fault::insufficient_funds);
  CHECK(chain.intent_state("i3") == chain_intent_state::unknown);
  auto just = transfer("i4", initial(6) - gas, action_kind::transfer, "bob");
  CHECK(chain.verify(just).fault == chain_fault::none);
  CHECK(chain.balance("alice.near", "usdc.near") == 0);
}

TEST_CASE("a swap pays out by the price table") {
  auto chain = make_chain();
  auto in = swap("i1", hundred_usdc, twenty_wrap);
  REQUIRE(chain.verify(in).fault == chain_fault::none);
  auto r = chain.execute(in, "solver-1");
  CHECK(r.fault == chain_fault::none);
  REQUIRE(r.output_amount);
  CHECK(*r.output_amount == twenty_wrap);
  CHECK(r.gas_used == 30'000);
  CHECK(r.total_cost == gas);
  CHECK(r.tx_hash.size() == 66);
  CHECK(r.tx_hash.rfind("0x", 0) == 0);
  CHECK(r.tx_hash.find_first_not_of("0123456789abcdef", 2) ==
        std::string::npos);
  CHECK(chain.balance("alice.near", "usdc.near") ==
        initial(6) - hundred_usdc - gas);
  CHECK(chain.balance("alice.near", "wrap.near") == initial(24) + twenty_wrap);
  CHECK(chain.intent_state("i1") == chain_intent_state::executed);
  CHECK(chain.executions_of("i1") == 1);
  CHECK(chain.block_height() == 1);
  auto tx = chain.tx_status(r.tx_hash);
  REQUIRE(tx);
  CHECK(tx->hash == r.tx_hash);
  CHECK(tx->intent_id == "i1");
  CHECK(tx->status == "success");
  CHECK(tx->block == 1);
  CHECK_FALSE(chain.tx_status("0xdeadbeef"));
}

TEST_CASE("a swap with a recipient pays the recipient") {
  auto chain = make_chain();
  auto in = swap("i1", hundred_usdc, 0);
  in.recipient = "carol.near";
  REQUIRE(chain.verify(in).fault == chain_fault::none);
  CHECK(chain.execute(in, "s").fault == chain_fault::none);
  CHECK(chain.balance("carol.near", "wrap.near") == initial(24) + twenty_wrap);
  CHECK(chain.balance("alice.near", "wrap.near") == initial(24));
}

TEST_CASE("transfer and stake credit the recipient") {
  auto chain = make_chain();
  auto t = transfer("t1", hundred_usdc, action_kind::transfer, "bob.near");
  auto s = transfer("s1", hundred_usdc, action_kind::stake, "pool.near");
  REQUIRE(chain.verify(t).fault == chain_fault::none);
  REQUIRE(chain.verify(s).fault == chain_fault::none);
  auto rt = chain.execute(t, "x");
  auto rs = chain.execute(s, "x");
  CHECK(rt.fault == chain_fault::none);
  CHECK(rs.fault == chain_fault::none);
  CHECK_FALSE(rt.output_amount);
  CHECK(rt.tx_hash != rs.tx_hash);
  CHECK(chain.balance("bob.near", "usdc.near") == initial(6) + hundred_usdc);
  CHECK(chain.balance("pool.near", "usdc.near") == initial(6) + hundred_usdc);
  CHECK(chain.balance("alice.near", "usdc.near") ==
        initial(6) - 2 * (hundred_usdc + gas));
  CHECK(chain.block_height() == 2);
}

TEST_CASE("a price below the minimum output is a slippage fault") {
  auto chain = make_chain();
  auto in = swap("i1", hundred_usdc, twenty_wrap + 1);
  REQUIRE(chain.verify(in).fault == chain_fault::none);
  auto r = chain.execute(in, "s");
  CHECK(r.fault == chain_fault::slippage);
  CHECK_FALSE(is_retryable(r.fault));
  CHECK(r.tx_hash.empty());
  CHECK(chain.balance("alice.near", "usdc.near") == initial(6));
  CHECK(chain.balance("alice.near", "wrap.near") == initial(24));
  CHECK(chain.intent_state("i1") == chain_intent_state::reverted);
  CHECK(chain.executions_of("i1") == 0);
  CHECK(chain.block_height() == 0);
}

TEST_CASE("an intent never executes twice") {
  auto chain = make_chain();
  auto in = transfer("i1", hundred_usdc, action_kind::transfer, "bob.near");
  REQUIRE(chain.verify(in).fault == chain_fault::none);
  REQUIRE(chain.execute(in, "s1").fault == chain_fault::none);
  CHECK(chain.execute(in, "s2").fault == chain_fault::already_executed);
  CHECK(chain.verify(in).fault == chain_fault::already_executed);
  CHECK(chain.execute(in, "s2").fault == chain_fault::already_executed);
  CHECK(chain.executions_of("i1") == 1);
  CHECK(chain.balance("bob.near", "usdc.near") == initial(6) + hundred_usdc);
}

TEST_CASE("execute needs a matching reservation") {
  auto chain = make_chain();
  auto in = transfer("i1", hundred_usdc, action_kind::transfer, "bob.near");
  CHECK(chain.execute(in, "s").fault == chain_fault::not_verified);
  REQUIRE(chain.verify(in).fault == chain_fault::none);
  auto bigger = in;
  bigger.input_amount = 2 * hundred_usdc;
  CHECK(chain.execute(bigger, "s").fault == chain_fault::not_verified);
  CHECK(chain.intent_state("i1") == chain_intent_state::reserved);
}

TEST_CASE("failure_rate 1.0 fails every call with a retryable fault") {
  auto chain = make_chain(1.0);
  for (int i = 0; i < 20; ++i) {
    auto in = swap("i" + std::to_string(i), hundred_usdc, 0);
    auto r = chain.verify(in);
    CHECK(r.fault == chain_fault::network_error);
    CHECK(is_retryable(r.fault));
  }
  CHECK(chain.balance("alice.near", "usdc.near") == initial(6));
  CHECK(chain.intent_state("i0") == chain_intent_state::unknown);
}

TEST_CASE("retryable execute faults leave no trace and a retry succeeds") {
  auto chain = make_chain(0.5, 0.0, 7);
  auto in = swap("i1", hundred_usdc, 0);
  int verify_calls = 0;
  while (chain.verify(in).fault != chain_fault::none && verify_calls < 100)
    ++verify_calls;
  REQUIRE(chain.intent_state("i1") == chain_intent_state::reserved);
  int faults = 0;
  execute_result r;
  for (int i = 0; i < 100; ++i) {
    r = chain.execute(in, "s");
    if (r.fault == chain_fault::none)
      break;
    ++faults;
    CHECK(is_retryable(r.fault));
    CHECK(r.tx_hash.empty());
    CHECK(chain.block_height() == 0);
    CHECK(chain.intent_state("i1") == chain_intent_state::reserved);
  }
  CHECK(r.fault == chain_fault::none);
  CHECK(chain.executions_of("i1") == 1);
  CHECK(chain.block_height() == 1);
}

TEST_CASE("revert_rate 1.0 reverts every execution with a transaction") {
  auto chain = make_chain(0.0, 1.0);
  auto in = swap("i1", hundred_usdc, 0);
  REQUIRE(chain.verify(in).fault == chain_fault::none);
  auto r = chain.execute(in, "s");
  CHECK(r.fault == chain_fault::reverted);
  CHECK_FALSE(is_retryable(r.fault));
  CHECK(r.gas_used == 30'000);
  CHECK(r.total_cost == gas);
  CHECK_FALSE(r.output_amount);
  auto tx = chain.tx_status(r.tx_hash);
  REQUIRE(tx);
  CHECK(tx->status == "reverted");
  CHECK(tx->intent_id == "i1");
  CHECK(chain.intent_state("i1") == chain_intent_state::reverted);
  CHECK(chain.executions_of("i1") == 0);
  CHECK(chain.balance("alice.near", "usdc.near") == initial(6) - gas);
  CHECK(chain.balance("alice.near", "wrap.near") == initial(24));
  // Asked again, it answers the revert again and moves nothing.
  auto repeated = chain.execute(in, "s");
  CHECK(repeated.fault == chain_fault::reverted);
  CHECK(repeated.tx_hash == r.tx_hash);
  CHECK(chain.balance("alice.near", "usdc.near") == initial(6) - gas);
  REQUIRE(chain.verify(in).fault == chain_fault::none);
  auto again = chain.execute(in, "s");
  CHECK(again.fault == chain_fault::reverted);
  CHECK(again.tx_hash != r.tx_hash);
  CHECK(chain.balance("alice.near", "usdc.near") == initial(6) - 2 * gas);
}

TEST_CASE("the same seed and calls give the same results") {
  struct step {
    chain_fault verify;
    chain_fault execute;
    std::string hash;
  };
  auto run = [](uint64_t seed) {
    auto chain = make_chain(0.3, 0.3, seed);
    std::vector<step> steps;
    for (int i = 0; i < 60; ++i) {
      auto in = swap("i" + std::to_string(i), hundred_usdc, 0);
      auto v = chain.verify(in).fault;
      auto e = chain.execute(in, "s");
      steps.push_back({v, e.fault, e.tx_hash});
    }
    return steps;
  };
  auto a = run(11);
  auto b = run(11);
  REQUIRE(a.size() == b.size());
  int successes = 0;
  int reverts = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].verify == b[i].verify);
    CHECK(a[i].execute == b[i].execute);
    CHECK(a[i].hash == b[i].hash);
    successes += a[i].execute == chain_fault::none;
    reverts += a[i].execute == chain_fault::reverted;
  }
  CHECK(successes > 0);
  CHECK(reverts > 0);
  auto c = run(12);
  bool differs = false;
  for (size_t i = 0; i < a.size(); ++i)
    differs = differs || a[i].execute != c[i].execute;
  CHECK(differs);
}

TEST_CASE("quote converts by price and decimals, rounding down") {
  auto chain = make_chain();
  CHECK(chain.quote("usdc.near", "wrap.near", hundred_usdc) == twenty_wrap);
  CHECK(chain.quote("wrap.near", "usdc.near", pow10(24)) == 5 * pow10(6));
  CHECK(chain.quote("usdc.near", "gem.near", hundred_usdc) == units{33});
  CHECK(chain.quote("usdc.near", "usdc.near", 7) == units{7});
  CHECK_FALSE(chain.quote("usdc.near", "nope.near", 1));
  CHECK_FALSE(chain.quote("nope.near", "usdc.near", 1));
}

TEST_CASE("chain faults: names, retryability and sentences") {
  CHECK(is_retryable(chain_fault::network_error));
  CHECK(is_retryable(chain_fault::timeout));
  CHECK(is_retryable(chain_fault::nonce_too_low));
  for (auto f : {chain_fault::none, chain_fault::reverted,
                 chain_fault::slippage, chain_fault::insufficient_funds,
                 chain_fault::unknown_token, chain_fault::already_executed,
                 chain_fault::not_verified, chain_fault::expired})
    CHECK_FALSE(is_retryable(f));
  CHECK(std::string(to_string(chain_fault::network_error)) == "network_error");
  CHECK(std::string(to_string(chain_fault::nonce_too_low)) == "nonce_too_low");
  CHECK(std::string(to_string(chain_fault::insufficient_funds)) ==
        "insufficient_funds");
  CHECK(std::string(to_string(chain_fault::already_executed)) ==
        "already_executed");
  CHECK(describe(chain_fault::slippage) ==
        "The price moved beyond your slippage limit. Submit again with a "
        "lower minimum output or a higher max_slippage.");
  for (int i = 0; i <= static_cast<int>(chain_fault::expired); ++i) {
    auto text = describe(static_cast<chain_fault>(i));
    CHECK_FALSE(text.empty());
    CHECK(text.back() == '.');
  }
  CHECK(std::string(to_string(chain_intent_state::unknown)) == "unknown");
  CHECK(std::string(to_string(chain_intent_state::reserved)) == "reserved");
  CHECK(std::string(to_string(chain_intent_state::executed)) == "executed");
  CHECK(std::string(to_string(chain_intent_state::reverted)) == "reverted");
  CHECK(std::string(to_string(chain_intent_state::released)) == "released");
}
