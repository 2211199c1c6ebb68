// An intent offered to the external solvers' auction: the winning quote
// settles, failed settlements fall to the next quote, and the built-in
// solvers take what no quote wins.

#include <caf/typed_event_based_actor.hpp>
#include <doctest/doctest.h>

#include "fixture.hpp"

using namespace intentd;
using namespace intentd::test;
using namespace std::chrono_literals;
using S = intent_status;

namespace {

/// What the scripted auction was told, in order, and what it answers.
struct auction_script {
  std::vector<auction_quote> ranked;
  bool answer = true; // false: never answers (the intent times out)
  uint32_t asked = 0;
  std::vector<std::string> told; // "assigned s1", "settled s1", ...
};

auction_actor::behavior_type
scripted_auction(auction_actor::pointer self,
                 std::shared_ptr<auction_script> script) {
  return {
      [=](auction_atom, const intent&) -> caf::result<auction_outcome> {
        ++script->asked;
        if (!script->answer)
          return self->make_response_promise<auction_outcome>();
        auction_result r;
        r.request_id = "rq-1";
        r.ranked = script->ranked;
        r.asked = 2;
        r.valid = static_cast<uint32_t>(script->ranked.size());
        return auction_outcome{std::move(r)};
      },
      [](quote_atom, const std::string&, const std::string&, time_us) {},
      [](gone_atom, const std::string&) {},
      [](ready_atom, const std::string&) {},
      [=](assigned_atom, const std::string& solver, const std::string&,
          const std::string&) { script->told.push_back("assigned " + solver); },
      [=](settled_atom, const std::string& solver, const std::string&,
          const std::string&, const std::string& output) {
        script->told.push_back("settled " + solver + " " + output);
      },
      [=](failed_atom, const std::string& solver, const std::string&,
          const std::string& reason) {
        script->told.push_back("failed " + solver + " " + reason);
      },
      [](stats_atom) { return std::vector<external_solver_report>{}; },
  };
}

auction_quote quote_of(const std::string& solver, units output,
                       time_us valid_until) {
  auction_quote q;
  q.solver_id = solver;
  q.account = solver + ".near";
  q.quote.request_id = "rq-1";
  q.quote.output_amount = std::to_string(static_cast<long long>(output));
  q.quote.signature = "sig-" + solver;
  q.output_amount = output;
  q.valid_until = valid_until;
  return q;
}

struct auction_fixture {
  std::shared_ptr<auction_script> script = std::make_shared<auction_script>();
  auction_actor auction;
  engine_fixture f{
      20ms, 3, 3, 1000, false, [this](engine_fixture& ef, intent_deps& deps) {
        auction = ef.sys->spawn(scripted_auction, script);
        deps.auction = auction;
        deps.auction_timeout = 1'500ms;
      }};

  ~auction_fixture() {
    caf::anon_send_exit(auction, caf::exit_reason::user_shutdown);
    f.run();
  }

  intent swap(const std::string& id) {
    auto in = f.make_intent(id);
    in.action = action_kind::swap;
    in.output_token = "wrap.near";
    in.min_output_amount = 90;
    in.recipient.clear();
    return in;
  }

  time_us in_a_minute() { return f.now() + 60'000'000; }
};

} // namespace

TEST_CASE("the winning quote settles and the record shows it") {
  auction_fixture a;
  a.script->ranked = {quote_of("s1", 120, a.in_a_minute()),
                      quote_of("s2", 100, a.in_a_minute())};
  REQUIRE(a.f.submit(a.swap("x1")));
  a.f.advance(500ms);
  auto rec = a.f.stored("x1");
  CHECK(rec.status == S::completed);
  CHECK(statuses(rec) ==
        std::vector<S>{S::pending, S::verified, S::executing, S::completed});
  CHECK(rec.execution.solver_id == "s1");
  CHECK(rec.execution.output_amount == units{120});
  CHECK(rec.execution.quotes == 2);
  REQUIRE(rec.execution.quote);
  CHECK(rec.execution.quote->solver_account == "s1.near");
  CHECK(rec.execution.quote->signature == "sig-s1");
  REQUIRE(rec.execution.transactions.size() == 1);
  CHECK(rec.execution.transactions[0].status == "success");
  // Settled by the chain for s1, the built-in solvers never asked.
  REQUIRE(a.f.chain_impl->settled_with.size() == 1);
  CHECK(a.f.chain_impl->settled_with[0].solver_account == "s1.near");
  CHECK(a.f.chain_impl->settled_with[0].output_amount == 120);
  CHECK(a.f.chain_impl->executed_by.empty());
  CHECK(a.script->told ==
        std::vector<std::string>{"assigned s1", "settled s1 120"});
}

TEST_CASE("a settled transfer tells the solver the amount the recipient got") {
  auction_fixture a;
  auto q = quote_of("s1", 5'000'000, a.in_a_minute());
  q.quote.output_amount = "5";
  q.fee = 10'000;
  a.script->ranked = {q};
  REQUIRE(a.f.submit(a.f.make_intent("t1")));
  a.f.advance(500ms);
  auto rec = a.f.stored("t1");
  CHECK(rec.status == S::completed);
  CHECK(rec.execution.solver_id == "s1");
  CHECK_FALSE(rec.execution.output_amount);
  REQUIRE(a.f.chain_impl->settled_with.size() == 1);
  // The settled frame names the quoted output, as for a swap.
  CHECK(a.script->told ==
        std::vector<std::string>{"assigned s1", "settled s1 5"});
}

TEST_CASE("the winning quote is durable before the chain is asked to settle") {
  auction_fixture a;
  a.script->ranked = {quote_of("s1", 120, a.in_a_minute())};
  std::vector<std::string> seen;
  a.f.chain_impl->on_settle = [&](const intent& in, const settlement& s) {
    auto rec = a.f.store->get(in.id);
    REQUIRE(rec);
    seen.push_back(std::string{to_string(rec->status)} + " " +
                   (rec->execution.quote ? rec->execution.quote->solver_id
                                         : std::string{"-"}) +
                   " " + s.solver_id);
  };
  REQUIRE(a.f.submit(a.swap("x2")));
  a.f.advance(500ms);
  CHECK(seen == std::vector<std::string>{"executing s1 s1"});
  CHECK(a.f.stored("x2").status == S::completed);
}

TEST_CASE("no quote: the built-in solvers execute the intent") {
  auction_fixture a;
  REQUIRE(a.f.submit(a.swap("x3")));
  a.f.advance(500ms);
  auto rec = a.f.stored("x3");
  CHECK(rec.status == S::completed);
  CHECK(a.script->asked == 1);
  CHECK(a.f.chain_impl->settled_with.empty());
  REQUIRE(a.f.chain_impl->executed_by.size() == 1);
  CHECK(rec.execution.solver_id == a.f.chain_impl->executed_by[0]);
  CHECK(rec.execution.quotes == 0);
  CHECK_FALSE(rec.execution.quote);
}

TEST_CASE("an auction that does not answer in time leaves the intent to the "
          "built-in solvers") {
  auction_fixture a;
  a.script->answer = false;
  REQUIRE(a.f.submit(a.swap("x4")));
  a.f.advance(2'000ms);
  auto rec = a.f.stored("x4");
  CHECK(rec.status == S::completed);
  CHECK(a.f.chain_impl->settled_with.empty());
  CHECK(a.f.chain_impl->executed_by.size() == 1);
}

TEST_CASE("a failed settlement falls to the next quote still valid") {
  auction_fixture a;
  a.script->ranked = {quote_of("s1", 130, a.in_a_minute()),
                      quote_of("s2", 120, a.f.now() + 10'000), // expires
                      quote_of("s3", 110, a.in_a_minute())};
  a.f.chain_impl->settle_faults = {chain_fault::insufficient_funds};
  std::vector<std::string> stored_quote;
  a.f.chain_impl->on_settle = [&](const intent& in, const settlement&) {
    auto rec = a.f.store->get(in.id);
    REQUIRE(rec);
    REQUIRE(rec->execution.quote);
    stored_quote.push_back(rec->execution.quote->solver_id);
  };
  REQUIRE(a.f.submit(a.swap("x5")));
  a.f.advance(500ms);
  auto rec = a.f.stored("x5");
  CHECK(rec.status == S::completed);
  CHECK(rec.execution.solver_id == "s3");
  CHECK(rec.execution.output_amount == units{110});
  CHECK(rec.execution.quotes == 3);
  // Each quote persisted before its settlement; s2 expired before its turn.
  CHECK(stored_quote == std::vector<std::string>{"s1", "s3"});
  CHECK(a.script->told ==
        std::vector<std::string>{"assigned s1", "failed s1 insufficient_funds",
                                 "assigned s3", "settled s3 110"});
  CHECK(a.f.chain_impl->executed_by.empty());
}

TEST_CASE("every settlement fails: the built-in solvers execute the intent") {
  auction_fixture a;
  a.script->ranked = {quote_of("s1", 130, a.in_a_minute()),
                      quote_of("s2", 120, a.in_a_minute())};
  a.f.chain_impl->settle_faults = {chain_fault::insufficient_funds,
                                   chain_fault::slippage};
  REQUIRE(a.f.submit(a.swap("x6")));
  a.f.advance(500ms);
  auto rec = a.f.stored("x6");
  CHECK(rec.status == S::completed);
  CHECK(a.f.chain_impl->settled_with.size() == 2);
  REQUIRE(a.f.chain_impl->executed_by.size() == 1);
  CHECK(rec.execution.solver_id == a.f.chain_impl->executed_by[0]);
  CHECK_FALSE(rec.execution.quote);
  CHECK(a.f.chain_impl->executions["x6"] == 1);
  CHECK(a.script->told ==
        std::vector<std::string>{"assigned s1", "failed s1 insufficient_funds",
                                 "assigned s2", "failed s2 slippage"});
}

TEST_CASE("a retryable fault settles the same quote again") {
  auction_fixture a;
  a.script->ranked = {quote_of("s1", 130, a.in_a_minute()),
                      quote_of("s2", 120, a.in_a_minute())};
  a.f.chain_impl->settle_faults = {chain_fault::network_error};
  REQUIRE(a.f.submit(a.swap("x7")));
  a.f.advance(5'000ms);
  auto rec = a.f.stored("x7");
  CHECK(rec.status == S::completed);
  CHECK(rec.execution.solver_id == "s1");
  CHECK(rec.execution.attempts == 2);
  REQUIRE(a.f.chain_impl->settled_with.size() == 2);
  CHECK(a.f.chain_impl->settled_with[1].solver_id == "s1");
  CHECK(a.f.chain_impl->executions["x7"] == 1);
}
