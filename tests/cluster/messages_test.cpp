// Every message nodes send each other survives CAF's binary serializer, as
// BASP carries it, with every field.

#include <doctest/doctest.h>

#include "runtime/cluster/messages.hpp"
#include "tests/actors/round_trip.hpp"

namespace intentd {

inline bool same(const cfg::cluster_node& a, const cfg::cluster_node& b) {
  return std::tie(a.name, a.address, a.http) ==
         std::tie(b.name, b.address, b.http);
}

inline bool same(const cluster_hello& a, const cluster_hello& b) {
  return a.node == b.node && a.digest == b.digest &&
         a.chain_node == b.chain_node && a.protocol == b.protocol &&
         a.nodes.size() == 2 && b.nodes.size() == 2 &&
         same(a.nodes[0], b.nodes[0]) && same(a.nodes[1], b.nodes[1]);
}

inline bool same(const cluster_pong& a, const cluster_pong& b) {
  return a.node == b.node && a.live_intents == b.live_intents;
}

inline bool same(const list_query& a, const list_query& b) {
  return std::tie(a.user, a.status, a.limit, a.cursor) ==
         std::tie(b.user, b.status, b.limit, b.cursor);
}

inline bool same(const record_page& a, const record_page& b) {
  return same(a.items, b.items) && a.next_cursor == b.next_cursor &&
         a.item_cursors == b.item_cursors;
}

inline bool same(const cancel_auth& a, const cancel_auth& b) {
  return a.public_key == b.public_key && a.signature == b.signature;
}

inline bool same(const std::optional<cancel_auth>& a,
                 const std::optional<cancel_auth>& b) {
  return a.has_value() == b.has_value() && (!a || same(*a, *b));
}

inline bool same(const rendered_reply& a, const rendered_reply& b) {
  return a.json == b.json && a.user_account == b.user_account &&
         a.stable_for_us == b.stable_for_us && a.from_chain == b.from_chain;
}

inline bool same(const read_batch& a, const read_batch& b) {
  return a.tokens == b.tokens && a.ids == b.ids;
}

inline bool same(const read_batch_reply& a, const read_batch_reply& b) {
  return a.tokens == b.tokens && same(a.answers, b.answers);
}

inline bool same(const solver_view& a, const solver_view& b) {
  return std::tie(a.solver_id, a.attempts, a.successes, a.failures,
                  a.success_rate, a.mean_execution_ms, a.healthy, a.node,
                  a.kind, a.connected, a.asked, a.answered, a.valid, a.won,
                  a.settled, a.failed, a.mean_response_ms,
                  a.consecutive_failures, a.resting_until, a.rejected) ==
         std::tie(b.solver_id, b.attempts, b.successes, b.failures,
                  b.success_rate, b.mean_execution_ms, b.healthy, b.node,
                  b.kind, b.connected, b.asked, b.answered, b.valid, b.won,
                  b.settled, b.failed, b.mean_response_ms,
                  b.consecutive_failures, b.resting_until, b.rejected);
}

inline bool same(const rate_subject& a, const rate_subject& b) {
  return a.ip == b.ip && a.user == b.user;
}

inline bool same(const rate_decision& a, const rate_decision& b) {
  return std::tie(a.applied, a.allowed, a.rule, a.limit, a.remaining, a.reset_s,
                  a.retry_after_s) == std::tie(b.applied, b.allowed, b.rule,
                                               b.limit, b.remaining, b.reset_s,
                                               b.retry_after_s);
}

} // namespace intentd

using namespace intentd;

namespace {

using cluster_serializer = basic_serializer_fixture<add_cluster_message_types>;

cluster_hello full_hello() {
  return cluster_hello{"n1",
                       "0123456789abcdef",
                       {{"n1", "127.0.0.1:7101", "127.0.0.1:8081"},
                        {"n2", "10.0.0.2:7102", "10.0.0.2:8082"}},
                       "n2",
                       cluster_protocol + 7};
}

record_page full_page() {
  auto bare = intent_record{};
  bare.request.id = "bare";
  return record_page{
      {full_record(), bare}, "cursor-2", {"cursor-1", "cursor-2"}};
}

solver_view full_solver() {
  solver_view v;
  v.solver_id = "solver-3";
  v.attempts = 10;
  v.successes = 7;
  v.failures = 3;
  v.success_rate = 0.7;
  v.mean_execution_ms = 12.5;
  v.healthy = false;
  v.node = "n3";
  v.kind = "external";
  v.connected = false;
  v.asked = 12;
  v.answered = 11;
  v.valid = 10;
  v.won = 9;
  v.settled = 7;
  v.failed = 3;
  v.mean_response_ms = 48.5;
  v.consecutive_failures = 2;
  v.resting_until = 1'795'341'605'000'000;
  v.rejected = {{"late", 1}, {"bad_signature", 4}};
  return v;
}

} // namespace

TEST_CASE_FIXTURE(cluster_serializer,
                  "the membership's messages round-trip with every field") {
  round_trip(full_hello());
  round_trip(hello_outcome{full_hello()});
  round_trip(hello_outcome{full_problem()});
  round_trip(cluster_pong{"n2", 1234});
}

TEST_CASE_FIXTURE(cluster_serializer,
                  "forwarded requests and their answers round-trip") {
  list_query q;
  q.user = "0xalice";
  q.status = intent_status::executing;
  q.limit = 7;
  q.cursor = "abc";
  round_trip(q);
  round_trip(list_query{}); // no status
  round_trip(full_page());
  round_trip(page_outcome{full_page()});
  round_trip(page_outcome{full_problem()});
  round_trip(cancel_auth{"cd02", "ab01"});
  round_trip(std::optional<cancel_auth>{cancel_auth{"cd02", "ab01"}});
  round_trip(std::optional<cancel_auth>{});
  round_trip(full_solver());
  round_trip(std::vector<solver_view>{full_solver(), solver_view{}});
  round_trip(solvers_outcome{std::vector<solver_view>{full_solver()}});
  round_trip(solvers_outcome{full_problem()});
  round_trip(rendered_reply{R"({"id":"i-1","node":"n2"})", "alice.near"});
  round_trip(rendered_outcome{rendered_reply{"{}", "bob.near"}});
  round_trip(rendered_reply{"{}", "carol.near", 86'400'000'000});
  round_trip(rendered_reply{"{}", "carol.near", INT64_MAX});
  round_trip(rendered_outcome{rendered_reply{"{}", "dave.near", 0, true}});
  round_trip(rendered_outcome{full_problem()});
  round_trip(read_batch{{7, 8, 9}, {"i-1", "i-2", "i-3"}});
  round_trip(read_batch{});
  round_trip(read_batch_reply{
      {7, 9},
      {rendered_outcome{rendered_reply{"{}", "dave.near", 5, false}},
       rendered_outcome{full_problem()}}});
  round_trip(read_batch_reply{});
  // The engine's own messages travel too (a record names its node).
  round_trip(record_outcome{full_record()});
  round_trip(submit_outcome{submit_reply{full_record(), true}});
}

TEST_CASE_FIXTURE(cluster_serializer,
                  "rate-limit counts and their decisions round-trip") {
  round_trip(rate_subject{"203.0.113.9", "0xalice"});
  round_trip(rate_subject{"::1", ""});
  rate_decision d{true, false, 2, 500, 0, 61, 7};
  round_trip(d);
  round_trip(rate_decision{});
  round_trip(rate_outcome{d});
  round_trip(rate_outcome{full_problem()});
}
