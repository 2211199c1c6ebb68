#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "runtime/model/client_op.hpp"
#include "runtime/model/notice.hpp"
#include "runtime/model/time.hpp"

using namespace intentd;
using json = nlohmann::json;

namespace {

intent_record executing_record() {
  intent_record rec;
  rec.request.id = "n1";
  rec.request.user_account = "alice.near";
  rec.request.action = action_kind::swap;
  rec.status = intent_status::executing;
  rec.history = {{intent_status::pending, 1'000'000},
                 {intent_status::verified, 2'000'000},
                 {intent_status::executing, 2'500'000}};
  rec.seq = 3;
  rec.execution.solver_id = "solver-1";
  return rec;
}

client_op_error error_of(std::string_view text) {
  auto r = parse_client_op(text);
  REQUIRE(std::holds_alternative<client_op_error>(r));
  return std::get<client_op_error>(r);
}

} // namespace

TEST_CASE("a write covering two transitions gives one update per seq") {
  auto rec = executing_record();
  auto ups = updates_between(rec, 1, token_registry{});
  REQUIRE(ups.size() == 2);
  CHECK(ups[0].seq == 2);
  CHECK(ups[0].status == intent_status::verified);
  CHECK(ups[0].timestamp == 2'000'000);
  CHECK(ups[0].message ==
        "Your token swap has been verified and funds are reserved.");
  CHECK(!ups[0].details.contains("execution"));
  CHECK(ups[1].seq == 3);
  CHECK(ups[1].status == intent_status::executing);
  CHECK(ups[1].timestamp == 2'500'000);
  CHECK(ups[1].message == "Executing your token swap...");
  CHECK(ups[1].details["execution"]["solver_id"] == "solver-1");
  CHECK(updates_between(rec, 3, token_registry{}).empty());
  CHECK(updates_between(rec, 0, token_registry{}).size() == 3);
}

TEST_CASE("the current state and the frame") {
  auto rec = executing_record();
  rec.status = intent_status::failed;
  rec.history.push_back({intent_status::failed, 3'000'000});
  rec.seq = 4;
  rec.error = intent_error{"reverted", "It reverted."};
  auto u = current_update(rec, token_registry{});
  CHECK(u.seq == 4);
  CHECK(u.message == "Your token swap failed: It reverted.");
  auto frame = json::parse(update_frame(u));
  CHECK(frame["event"] == "intent-update");
  CHECK(frame["intent_id"] == "n1");
  CHECK(frame["status"] == "failed");
  CHECK(frame["seq"] == 4);
  CHECK(frame["timestamp"] == format_rfc3339(3'000'000));
  CHECK(frame["details"]["error"]["code"] == "reverted");
  CHECK(frame["details"]["action"] == "swap");
}

TEST_CASE("notices carry their frame") {
  auto ack = json::parse(*make_subscribed_notice("user", "bob.near").frame);
  CHECK(ack == json{{"event", "subscribed"},
                    {"target", "user"},
                    {"user_account", "bob.near"}});
  auto err = json::parse(
      *make_error_notice("unknown_intent", "No such.", "intent", "x").frame);
  CHECK(err["event"] == "error");
  CHECK(err["code"] == "unknown_intent");
  CHECK(err["intent_id"] == "x");
}

TEST_CASE("client ops parse, and bad ones say why") {
  auto r = parse_client_op(R"({"op":"subscribe-intent","intent_id":"a"})");
  REQUIRE(std::holds_alternative<client_op>(r));
  auto op = std::get<client_op>(r);
  CHECK(op.subscribe);
  CHECK(op.target == subscription_target::intent);
  CHECK(op.key == "a");
  r = parse_client_op(R"({"op":"unsubscribe-user","user_account":"b.near"})");
  REQUIRE(std::holds_alternative<client_op>(r));
  op = std::get<client_op>(r);
  CHECK(!op.subscribe);
  CHECK(op.target == subscription_target::user);
  CHECK(error_of("{not json").code == "invalid_json");
  CHECK(error_of("[1]").code == "invalid_message");
  CHECK(error_of(R"({"intent_id":"a"})").code == "missing_field");
  CHECK(error_of(R"({"op":"dance"})").code == "unknown_op");
  CHECK(error_of(R"({"op":"subscribe-intent"})").code == "missing_field");
  CHECK(error_of(R"({"op":"subscribe-user","user_account":7})").code ==
        "missing_field");
  CHECK(error_of(R"({"op":"subscribe-intent","intent_id":""})").code ==
        "missing_field");
}
