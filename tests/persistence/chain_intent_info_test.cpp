// The simulated chain keeps what each intent was and when it saw it in its
// journal, so the record of an intent purged from the store still reads
// true after a restart.

#include <doctest/doctest.h>

#include "persistence/chain_journal_lmdb.hpp"
#include "runtime/model/simulated_chain.hpp"
#include "tests/persistence/store_fixture.hpp"

using namespace intentd;
using intentd::test::temp_dir;

namespace {

simulated_chain chain_at(const chain_journal_options& opts, time_us* clock) {
  auto j = lmdb_chain_journal::open(opts);
  REQUIRE(j);
  token_registry tokens(
      {{"usdc.near", 6, pow10(9)}, {"wrap.near", 24, 5 * pow10(9)}});
  simulated_chain_options o;
  o.now = [clock] { return *clock; };
  return simulated_chain(tokens, o, std::move(*j));
}

} // namespace

TEST_CASE("the chain journal keeps each intent's action and dates") {
  temp_dir dir;
  chain_journal_options opts;
  opts.path = (dir.path() / "chain").string();
  opts.sync = false;
  time_us clock = 1'800'000'000'000'000;
  intent in;
  in.id = "i1";
  in.user_account = "alice.near";
  in.action = action_kind::swap;
  in.input_token = "usdc.near";
  in.input_amount = 10 * pow10(6);
  in.output_token = "wrap.near";
  intent pay;
  pay.id = "i2";
  pay.user_account = "alice.near";
  pay.action = action_kind::transfer;
  pay.input_token = "usdc.near";
  pay.input_amount = 5;
  pay.recipient = "bob.near";
  {
    auto chain = chain_at(opts, &clock);
    REQUIRE(chain.verify(in).fault == chain_fault::none);
    REQUIRE(chain.verify(pay).fault == chain_fault::none);
    REQUIRE(chain.commit());
  }
  // Reserved before a restart, executed after it: the first date stays.
  clock += 7'000'000;
  auto chain = chain_at(opts, &clock);
  REQUIRE(chain.execute(in, "s").fault == chain_fault::none);
  clock += 1'000'000;
  chain.release("i2");
  REQUIRE(chain.commit());
  auto info = chain.intent_info("i1");
  REQUIRE(info);
  CHECK(info->action == action_kind::swap);
  CHECK(info->user_account == "alice.near");
  CHECK(info->output_token == "wrap.near");
  CHECK(info->input_amount == 10 * pow10(6));
  CHECK(info->first_seen == 1'800'000'000'000'000);
  CHECK(info->last_change == 1'800'000'007'000'000);
  auto released = chain.intent_info("i2");
  REQUIRE(released);
  CHECK(released->action == action_kind::transfer);
  CHECK(released->recipient == "bob.near");
  CHECK(released->first_seen == 1'800'000'000'000'000);
  CHECK(released->last_change == 1'800'000'008'000'000);
  CHECK_FALSE(chain.intent_info("never"));
}
