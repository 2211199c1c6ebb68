#include <doctest/doctest.h>

#include "tests/actors/round_trip.hpp"

using namespace intentd;

namespace intentd {

inline bool same(const solver_quote& a, const solver_quote& b) {
  return std::tie(a.request_id, a.intent_id, a.output_amount, a.fee,
                  a.valid_until, a.signature) ==
         std::tie(b.request_id, b.intent_id, b.output_amount, b.fee,
                  b.valid_until, b.signature);
}

inline bool same(const auction_quote& a, const auction_quote& b) {
  return same(a.quote, b.quote) &&
         std::tie(a.solver_id, a.account, a.output_amount, a.fee, a.valid_until,
                  a.arrived_at) == std::tie(b.solver_id, b.account,
                                            b.output_amount, b.fee,
                                            b.valid_until, b.arrived_at);
}

inline bool same(const auction_result& a, const auction_result& b) {
  return same(a.ranked, b.ranked) &&
         std::tie(a.request_id, a.asked, a.valid) ==
             std::tie(b.request_id, b.asked, b.valid);
}

inline bool same(const external_solver_report& a,
                 const external_solver_report& b) {
  return std::tie(a.solver_id, a.account, a.kind, a.connected, a.resting,
                  a.resting_until, a.asked, a.answered, a.valid, a.won,
                  a.settled, a.failed, a.consecutive_failures,
                  a.mean_response_ms, a.mean_settlement_ms, a.success_rate,
                  a.rejected) ==
         std::tie(b.solver_id, b.account, b.kind, b.connected, b.resting,
                  b.resting_until, b.asked, b.answered, b.valid, b.won,
                  b.settled, b.failed, b.consecutive_failures,
                  b.mean_response_ms, b.mean_settlement_ms, b.success_rate,
                  b.rejected);
}

} // namespace intentd

namespace {

using serializer_fixture = basic_serializer_fixture<add_message_types>;

} // namespace

TEST_CASE_FIXTURE(serializer_fixture,
                  "intents and records round-trip through the binary "
                  "serializer with every field") {
  round_trip(full_intent());
  round_trip(full_record());
  intent_record bare;
  bare.request.id = "bare";
  round_trip(bare); // no error, no output amount
  round_trip(std::vector<intent_record>{full_record(), bare});
}

TEST_CASE_FIXTURE(serializer_fixture,
                  "outcomes round-trip as a value or as a problem") {
  round_trip(full_problem());
  round_trip(record_outcome{full_record()});
  round_trip(record_outcome{full_problem()});
  round_trip(submit_outcome{submit_reply{full_record(), true}});
  round_trip(submit_outcome{full_problem()});
  round_trip(records_outcome{std::vector<intent_record>{full_record()}});
  round_trip(records_outcome{problem{errc::storage_unavailable, "down", {}}});
  round_trip(write_outcome{done{}});
  round_trip(write_outcome{full_problem()});
  round_trip(submit_reply{full_record(), false});
}

TEST_CASE_FIXTURE(serializer_fixture,
                  "chain answers round-trip through the binary serializer") {
  round_trip(verify_result{chain_fault::insufficient_funds});
  round_trip(
      execute_result{chain_fault::reverted, "0xtx", 21'000, big, big + 3});
  round_trip(execute_result{chain_fault::none, "0xtx", 1, 2, std::nullopt});
  round_trip(chain_intent_state::released);
  round_trip(chain_tx{"0xtx", "intent-1", "success", 77});
  round_trip(std::optional<chain_tx>{chain_tx{"0xtx", "i", "reverted", 1}});
  round_trip(std::optional<chain_tx>{});
  round_trip(chain_execution{"0xtx", 21'000, big, big + 4, {}});
  round_trip(chain_execution{"0xtx", 21'000, big, big + 4, "acme.near"});
  round_trip(std::optional<chain_execution>{
      chain_execution{"0xtx", 1, 2, 3, "acme.near"}});
  round_trip(std::optional<chain_execution>{});
  round_trip(settlement{"acme", "acme.near", big + 7, big});
  round_trip(settlement{});
}

TEST_CASE_FIXTURE(serializer_fixture,
                  "a record's quotes and winning quote round-trip") {
  auto rec = full_record();
  REQUIRE(rec.execution.quote);
  round_trip(rec);
  rec.execution.quote.reset();
  round_trip(rec); // quotes counted, the built-ins ran it
  // The binary serializer really carries the quote: a record that lost it
  // is not the same.
  auto without = full_record();
  without.execution.quote.reset();
  CHECK_FALSE(same(full_record(), without));
  without = full_record();
  without.execution.quotes = 0;
  CHECK_FALSE(same(full_record(), without));
}

namespace intentd {

inline bool same(const chain_call& a, const chain_call& b) {
  return a.kind == b.kind && same(a.request, b.request) &&
         a.solver == b.solver && a.key == b.key && same(a.terms, b.terms);
}

inline bool same(const chain_reply& a, const chain_reply& b) {
  return same(a.verified, b.verified) && same(a.executed, b.executed) &&
         a.state == b.state && same(a.tx, b.tx) &&
         same(a.execution, b.execution) && same(a.record, b.record);
}

} // namespace intentd

TEST_CASE_FIXTURE(serializer_fixture,
                  "chain calls of another node round-trip through the binary "
                  "serializer") {
  chain_call exec{chain_call_kind::execute, full_intent(), "solver-1", "", {}};
  round_trip(exec);
  round_trip(chain_call{chain_call_kind::tx, {}, "", "0xtx", {}});
  chain_call settle{chain_call_kind::settle, full_intent(), "", "",
                    settlement{"acme", "acme.near", big + 7, big}};
  round_trip(settle);
  auto other = settle;
  other.terms.fee = big + 1;
  CHECK_FALSE(same(settle, other));
  chain_reply full;
  full.verified = verify_result{chain_fault::unreachable};
  full.executed = execute_result{chain_fault::none, "0xtx", 21'000, big, big};
  full.state = chain_intent_state::executed;
  full.tx = chain_tx{"0xtx", "intent-1", "success", 77};
  full.execution = chain_execution{"0xtx", 21'000, big, big + 4};
  full.record = full_record();
  round_trip(full);
  round_trip(chain_reply{});
  round_trip(chain_outcome{full});
  round_trip(chain_outcome{full_problem()});
}

TEST_CASE_FIXTURE(serializer_fixture,
                  "solver reports and notices round-trip through the binary "
                  "serializer") {
  solver_stats st{"solver-1", 10, 7, 3, 12'345};
  round_trip(st);
  round_trip(std::vector<solver_stats>{st, {"solver-2", 1, 1, 0, 9}});
  round_trip(solver_report{st, false});
  round_trip(std::vector<solver_report>{{st, true}, {st, false}});
  round_trip(full_update());
  intent_update no_details = full_update();
  no_details.details = nullptr;
  round_trip(std::vector<intent_update>{full_update(), no_details});
  round_trip(
      make_update_notice(std::make_shared<const intent_update>(full_update())));
  round_trip(make_error_notice("unavailable", "try again", "user", "0xalice"));
  round_trip(notifier_stats{1, 2, 3, 4});
  round_trip(subscription_target::user);
  round_trip(rate_limited_counts{{"submit", 3}, {"read", 0}});
  round_trip(nonce_owner_outcome{nonce_owner{std::string{"intent-1"}}});
  round_trip(nonce_owner_outcome{nonce_owner{}});
  round_trip(nonce_owner_outcome{problem{errc::storage_unavailable, "x", {}}});
}

TEST_CASE_FIXTURE(serializer_fixture,
                  "a page of live records round-trips through the binary "
                  "serializer") {
  live_page page;
  page.records = {full_record(), full_record()};
  page.records[1].request.id = "intent-2";
  page.next = std::string("\x01\x00key", 6);
  page.more = true;
  round_trip(live_page_outcome{page});
  round_trip(live_page_outcome{live_page{}});
  round_trip(live_page_outcome{problem{errc::storage_corrupt, "x", {}}});
}

TEST_CASE_FIXTURE(serializer_fixture,
                  "auction answers and external solver stats round-trip "
                  "with every field") {
  auction_quote q;
  q.solver_id = "acme";
  q.account = "acme.near";
  q.quote = {"rq-1",
             "swap-1",
             "19.75",
             "0.1",
             "2026-11-22T10:01:00Z",
             std::string(128, 'a')};
  q.output_amount = units{1975} * pow10(22) + (units{1} << 70);
  q.fee = 100'000;
  q.valid_until = 1'795'341'660'000'000;
  q.arrived_at = 1'795'341'600'200'000;
  auto second = q;
  second.solver_id = "beta";
  round_trip(q.quote);
  round_trip(auction_outcome{auction_result{"rq-1", {q, second}, 3, 2}});
  round_trip(auction_outcome{auction_result{}});
  round_trip(auction_outcome{problem{errc::overloaded, "full", {}}});
  external_solver_report r;
  r.solver_id = "acme";
  r.account = "acme.near";
  r.connected = true;
  r.resting = true;
  r.resting_until = 1'795'341'605'000'000;
  r.asked = 10;
  r.answered = 9;
  r.valid = 8;
  r.won = 5;
  r.settled = 3;
  r.failed = 2;
  r.consecutive_failures = 2;
  r.mean_response_ms = 12.5;
  r.mean_settlement_ms = 40.25;
  r.success_rate = 0.6;
  r.rejected = {{"late", 1}, {"bad_json", 2}};
  round_trip(std::vector<external_solver_report>{r, external_solver_report{}});
}
