// The chain actor settles an intent for an external solver with the rules
// of an execution: the answer waits for the latency and the block's commit.

#include <doctest/doctest.h>

#include "actors/fixture.hpp"
#include "runtime/model/simulated_chain.hpp"

using namespace intentd;
using namespace intentd::test;
using namespace std::chrono_literals;

namespace {

/// A simulated chain behind its own chain actor; acme.near holds 50 wrap.
struct settling_chain {
  simulated_chain* impl = nullptr;
  chain_actor actor;

  explicit settling_chain(engine_fixture& f) {
    simulated_chain_options opts;
    opts.account_balances["acme.near"]["wrap.near"] = 50 * pow10(24);
    auto adapter = std::make_unique<simulated_chain>(
        token_registry(
            {{"usdc.near", 6, pow10(9)}, {"wrap.near", 24, 5 * pow10(9)}}),
        opts);
    impl = adapter.get();
    actor = spawn_chain(*f.sys, std::move(adapter), chain_options{20ms});
  }
};

intent swap(const std::string& id) {
  intent in;
  in.id = id;
  in.user_account = "alice.near";
  in.action = action_kind::swap;
  in.input_token = "usdc.near";
  in.input_amount = 100 * pow10(6);
  in.output_token = "wrap.near";
  in.min_output_amount = 19 * pow10(24);
  return in;
}

/// Asks `actor` from a throwaway actor; the answer lands in the result.
template<class T, class... Ts>
std::shared_ptr<std::optional<T>> request(engine_fixture& f,
                                          const chain_actor& actor, Ts... xs) {
  auto result = std::make_shared<std::optional<T>>();
  f.sys->spawn([=](caf::event_based_actor* self) {
    self->request(actor, caf::infinite, xs...).then([=](T& value) {
      *result = std::move(value);
    });
  });
  f.run();
  return result;
}

} // namespace

TEST_CASE("the chain actor settles after the latency, once per intent") {
  engine_fixture f;
  settling_chain c{f};
  auto in = swap("s1");
  auto verified = request<verify_result>(f, c.actor, verify_atom::value, in);
  f.advance(20ms);
  REQUIRE(*verified);
  REQUIRE((*verified)->fault == chain_fault::none);

  const settlement acme{"acme", "acme.near", 20 * pow10(24), 1'000};
  auto settled =
      request<execute_result>(f, c.actor, settle_atom::value, in, acme);
  // Taken when it arrives, answered after the latency.
  CHECK(c.impl->executions_of("s1") == 1);
  CHECK_FALSE(*settled);
  f.advance(19ms);
  CHECK_FALSE(*settled);
  f.advance(1ms);
  REQUIRE(*settled);
  CHECK((*settled)->fault == chain_fault::none);
  CHECK_FALSE((*settled)->tx_hash.empty());
  REQUIRE((*settled)->output_amount);
  CHECK(*(*settled)->output_amount == 20 * pow10(24));
  CHECK((*settled)->total_cost == 1'000);
  CHECK(c.impl->balance("acme.near", "wrap.near") == 30 * pow10(24));

  // Recovery reads it like an execution that landed.
  auto state =
      f.ask<chain_intent_state>(c.actor, status_atom::value, std::string{"s1"});
  REQUIRE(state);
  CHECK(*state == chain_intent_state::executed);
  auto landed = f.ask<std::optional<chain_execution>>(
      c.actor, status_atom::value, std::string{"s1"}, execute_atom::value);
  REQUIRE(landed);
  REQUIRE(*landed);
  CHECK((*landed)->tx_hash == (*settled)->tx_hash);
  CHECK((*landed)->solver_account == "acme.near");

  // Never twice: neither settled again nor executed.
  auto again =
      request<execute_result>(f, c.actor, settle_atom::value, in, acme);
  auto executed = request<execute_result>(f, c.actor, execute_atom::value, in,
                                          std::string{"solver-1"});
  f.advance(20ms);
  REQUIRE(*again);
  CHECK((*again)->fault == chain_fault::already_executed);
  REQUIRE(*executed);
  CHECK((*executed)->fault == chain_fault::already_executed);
  CHECK(c.impl->executions_of("s1") == 1);
  caf::anon_send_exit(c.actor, caf::exit_reason::user_shutdown);
  f.run();
}

TEST_CASE("the chain actor answers a short solver balance with nothing "
          "moved") {
  engine_fixture f;
  settling_chain c{f};
  auto in = swap("s2");
  auto verified = request<verify_result>(f, c.actor, verify_atom::value, in);
  f.advance(20ms);
  REQUIRE(*verified);
  REQUIRE((*verified)->fault == chain_fault::none);
  const settlement broke{"acme", "acme.near", 51 * pow10(24), 0};
  auto settled =
      request<execute_result>(f, c.actor, settle_atom::value, in, broke);
  f.advance(20ms);
  REQUIRE(*settled);
  CHECK((*settled)->fault == chain_fault::insufficient_funds);
  CHECK((*settled)->tx_hash.empty());
  CHECK(c.impl->balance("acme.near", "wrap.near") == 50 * pow10(24));
  auto state =
      f.ask<chain_intent_state>(c.actor, status_atom::value, std::string{"s2"});
  REQUIRE(state);
  CHECK(*state == chain_intent_state::reserved);
  caf::anon_send_exit(c.actor, caf::exit_reason::user_shutdown);
  f.run();
}

TEST_CASE("a stalled chain refuses a settlement without reaching the "
          "adapter") {
  engine_fixture f;
  auto adapter = std::make_unique<scripted_chain>();
  auto* impl = adapter.get();
  impl->commit_ok = [](uint32_t n) { return n > 1; };
  auto actor = spawn_chain(*f.sys, std::move(adapter), chain_options{20ms});
  auto in = f.make_intent("t1");
  auto first = f.ask<verify_result>(actor, verify_atom::value, in);
  REQUIRE(first);
  CHECK(first->fault == chain_fault::storage_unavailable);
  auto calls = impl->calls;
  auto settled = f.ask<execute_result>(actor, settle_atom::value, in,
                                       settlement{"acme", "acme.near", 0, 0});
  REQUIRE(settled);
  CHECK(settled->fault == chain_fault::storage_unavailable);
  CHECK(impl->calls == calls);
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  f.run();
}
