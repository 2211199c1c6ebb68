#include <doctest/doctest.h>

#include "tests/actors/round_trip.hpp"

using namespace intentd;

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
  round_trip(chain_execution{"0xtx", 21'000, big, big + 4});
  round_trip(std::optional<chain_execution>{chain_execution{"0xtx", 1, 2, 3}});
  round_trip(std::optional<chain_execution>{});
}

namespace intentd {

inline bool same(const chain_call& a, const chain_call& b) {
  return a.kind == b.kind && same(a.request, b.request) &&
         a.solver == b.solver && a.key == b.key;
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
  chain_call exec{chain_call_kind::execute, full_intent(), "solver-1", ""};
  round_trip(exec);
  round_trip(chain_call{chain_call_kind::tx, {}, "", "0xtx"});
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
