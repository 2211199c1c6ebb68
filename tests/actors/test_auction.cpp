#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <nlohmann/json.hpp>

#include "actors/auction.hpp"
#include "model/quote_helpers.hpp"
#include "runtime/model/time.hpp"

using namespace intentd;
using json = nlohmann::json;

namespace {

constexpr time_us ms = 1'000;
constexpr time_us sec = 1'000'000;

// RFC 8032, section 7.1, test 1.
ed25519_keys gamma_keys() {
  return quote_test::keys_of(
      "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
}

/// The transport as the auction sees it: which solvers are connected, and
/// every frame sent to them.
struct fake_channel {
  std::vector<std::string> connected;
  std::vector<std::pair<std::string, std::string>> sent;

  /// The frames sent to `id` so far, parsed.
  std::vector<json> frames_to(const std::string& id) const {
    std::vector<json> out;
    for (auto& [to, text] : sent)
      if (to == id)
        out.push_back(json::parse(text));
    return out;
  }

  /// The last frame sent to `id` of `type`; null when none.
  json last(const std::string& id, const std::string& type) const {
    json found;
    for (auto& f : frames_to(id))
      if (f["type"] == type)
        found = f;
    return found;
  }
};

/// An auction on CAF's test coordinator with three solvers (acme, beta,
/// gamma), a 1000 ms window and a wall clock that is the test clock.
struct auction_fixture {
  static constexpr time_us epoch = 1'800'000'000'000'000; // 2027-01-15

  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  std::shared_ptr<fake_channel> channel = std::make_shared<fake_channel>();
  auction_actor auction;
  std::map<std::string, ed25519_keys> keys{{"acme", quote_test::acme_keys()},
                                           {"beta", quote_test::other_keys()},
                                           {"gamma", gamma_keys()}};

  explicit auction_fixture(uint32_t failover_after = 2, size_t max_open = 16,
                           size_t max_quotes = 64) {
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.verbosity", caf::atom("quiet"));
    add_message_types(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
    channel->connected = {"acme", "beta", "gamma"};
    auction_options opts;
    for (auto& [id, k] : keys)
      opts.solvers.push_back({id, quote_test::raw_key(k), id + ".near"});
    opts.tokens = token_registry{
        {{"usdc.near", 6, 1'000'000'000}, {"wrap.near", 24, 5'000'000'000}}};
    opts.quote_window_ms = 1000;
    opts.failover_after = failover_after;
    opts.cooldown_ms = 1000;
    opts.max_open = max_open;
    opts.max_quotes = max_quotes;
    opts.now = [this] { return now(); };
    opts.request_prefix = "rq";
    opts.channel.connected = [c = channel] { return c->connected; };
    opts.channel.send = [c = channel](const std::string& id, std::string text) {
      for (auto& x : c->connected)
        if (x == id) {
          c->sent.emplace_back(id, std::move(text));
          return true;
        }
      return false;
    };
    auction = spawn_auction(*sys, std::move(opts));
    run();
  }

  ~auction_fixture() {
    caf::anon_send_exit(auction, caf::exit_reason::user_shutdown);
    run();
    sched->clock().cancel_all();
  }

  time_us now() const {
    using namespace std::chrono;
    return epoch +
           duration_cast<microseconds>(sched->clock().now().time_since_epoch())
               .count();
  }

  void run() { sched->run(); }

  void advance(time_us us) {
    for (time_us i = 0; i < us / ms; ++i) {
      sched->advance_time(std::chrono::milliseconds{1});
      run();
    }
  }

  /// Asks for an auction of `in`; the answer lands in the returned slot
  /// once the window closes.
  std::shared_ptr<std::optional<auction_outcome>> start(const intent& in) {
    auto slot = std::make_shared<std::optional<auction_outcome>>();
    sys->spawn([=, a = auction](caf::event_based_actor* self) {
      self->request(a, caf::infinite, auction_atom::value, in)
          .then([=](auction_outcome& o) { *slot = std::move(o); },
                [=](caf::error& e) {
                  *slot = auction_outcome{
                      problem{errc::internal, caf::to_string(e), {}}};
                });
    });
    run();
    return slot;
  }

  std::vector<external_solver_report> stats() {
    auto out = std::make_shared<std::vector<external_solver_report>>();
    sys->spawn([=, a = auction](caf::event_based_actor* self) {
      self->request(a, caf::infinite, stats_atom::value)
          .then([=](std::vector<external_solver_report>& r) {
            *out = std::move(r);
          });
    });
    run();
    return *out;
  }

  external_solver_report stats_of(const std::string& id) {
    for (auto& r : stats())
      if (r.solver_id == id)
        return r;
    FAIL("no stats for " << id);
    return {};
  }

  /// The request id of the last quote_request sent to `id`.
  std::string request_to(const std::string& id) const {
    auto f = channel->last(id, "quote_request");
    REQUIRE_MESSAGE(!f.is_null(), "no quote_request to " << id);
    return f["request_id"];
  }

  /// A quote frame of `solver` for the last request sent to it, signed with
  /// `signer` (its own key unless given).
  std::string quote_text(const std::string& solver,
                         const std::string& intent_id,
                         const std::string& output, const std::string& fee,
                         const ed25519_keys* signer = nullptr,
                         time_us valid_for = 60 * sec) {
    solver_quote q{request_to(solver),
                   intent_id,
                   output,
                   fee,
                   format_rfc3339(now() + valid_for),
                   {}};
    q.signature = sign_quote(q, signer ? *signer : keys.at(solver));
    return json{{"type", "quote"},
                {"request_id", q.request_id},
                {"intent_id", q.intent_id},
                {"output_amount", q.output_amount},
                {"fee", q.fee},
                {"valid_until", q.valid_until},
                {"signature", q.signature}}
        .dump();
  }

  /// Delivers a frame from `solver`, arriving now.
  void deliver(const std::string& solver, const std::string& text) {
    caf::anon_send(auction, quote_atom::value, solver, text, now());
    run();
  }

  void quote(const std::string& solver, const std::string& intent_id,
             const std::string& output, const std::string& fee = "0") {
    deliver(solver, quote_text(solver, intent_id, output, fee));
  }

  void gone(const std::string& solver) {
    caf::anon_send(auction, gone_atom::value, solver);
    run();
  }

  void assigned(const std::string& solver, const std::string& intent_id) {
    caf::anon_send(auction, assigned_atom::value, solver, intent_id,
                   request_to(solver));
    run();
  }

  void failed(const std::string& solver, const std::string& intent_id) {
    caf::anon_send(auction, failed_atom::value, solver, intent_id,
                   std::string{"insufficient solver balance"});
    run();
  }

  void settled(const std::string& solver, const std::string& intent_id) {
    caf::anon_send(auction, settled_atom::value, solver, intent_id,
                   std::string{"0xtx1"}, std::string{"20"});
    run();
  }

  /// swap `id`: 100 usdc.near for at least 19.5 wrap.near.
  intent swap(const std::string& id) const {
    intent in;
    in.id = id;
    in.user_account = "alice.near";
    in.action = action_kind::swap;
    in.input_token = "usdc.near";
    in.input_amount = 100'000'000;
    in.output_token = "wrap.near";
    in.min_output_amount = units{195} * pow10(23);
    in.expires_at = now() + 3600 * sec;
    return in;
  }

  /// `action` (transfer or stake) `id`: 10 usdc.near to bob.near.
  intent transfer(const std::string& id,
                  action_kind action = action_kind::transfer) const {
    intent in;
    in.id = id;
    in.user_account = "alice.near";
    in.action = action;
    in.input_token = "usdc.near";
    in.input_amount = 10'000'000;
    in.recipient = "bob.near";
    in.expires_at = now() + 3600 * sec;
    return in;
  }
};

const auction_result& result_of(const std::optional<auction_outcome>& slot) {
  REQUIRE_MESSAGE(slot.has_value(), "the auction has not answered");
  REQUIRE_MESSAGE(static_cast<bool>(*slot), slot->error().message);
  return slot->value();
}

std::vector<std::string> winners(const auction_result& r) {
  std::vector<std::string> out;
  for (auto& q : r.ranked)
    out.push_back(q.solver_id);
  return out;
}

uint64_t rejected(const external_solver_report& r, const std::string& reason) {
  for (auto& [name, n] : r.rejected)
    if (name == reason)
      return n;
  return 0;
}

} // namespace

TEST_CASE_FIXTURE(auction_fixture,
                  "the quote window closes by time with the quotes it got") {
  auto slot = start(swap("swap-1"));
  advance(100 * ms);
  quote("acme", "swap-1", "19.8");
  advance(899 * ms);
  CHECK_FALSE(slot->has_value());
  advance(1 * ms);
  auto& r = result_of(*slot);
  CHECK(r.request_id == "rq-1");
  CHECK(r.asked == 3);
  CHECK(r.valid == 1);
  REQUIRE(r.ranked.size() == 1);
  auto& q = r.ranked[0];
  CHECK(q.solver_id == "acme");
  CHECK(q.account == "acme.near");
  CHECK(q.output_amount == units{198} * pow10(23));
  CHECK(q.fee == 0);
  CHECK(q.quote.output_amount == "19.8");
  CHECK(q.quote.request_id == "rq-1");
  CHECK(q.arrived_at == epoch + 100 * ms);
  CHECK(q.valid_until == epoch + 60'100 * ms);
  auto acme = stats_of("acme");
  CHECK(acme.asked == 1);
  CHECK(acme.answered == 1);
  CHECK(acme.valid == 1);
  CHECK(acme.mean_response_ms == doctest::Approx(100.0));
  auto beta = stats_of("beta");
  CHECK(beta.asked == 1);
  CHECK(beta.answered == 0);
}

TEST_CASE_FIXTURE(auction_fixture,
                  "the window closes early once every asked solver answered") {
  auto slot = start(swap("swap-1"));
  advance(10 * ms);
  quote("acme", "swap-1", "19.8");
  quote("beta", "swap-1", "20");
  CHECK_FALSE(slot->has_value());
  advance(20 * ms);
  quote("gamma", "swap-1", "19.9");
  auto& r = result_of(*slot);
  CHECK(winners(r) == std::vector<std::string>{"beta", "gamma", "acme"});
  CHECK(r.valid == 3);
  // The window's timer fires later for nothing; the next auction is not
  // disturbed by it.
  auto next = start(swap("swap-2"));
  advance(980 * ms);
  CHECK_FALSE(next->has_value());
  advance(20 * ms);
  CHECK(result_of(*next).ranked.empty());
  CHECK(result_of(*next).asked == 3);
}

TEST_CASE_FIXTURE(auction_fixture,
                  "no connected solver: no quote at once, nobody asked") {
  channel->connected = {"stranger"};
  auto slot = start(swap("swap-1"));
  auto& r = result_of(*slot);
  CHECK(r.ranked.empty());
  CHECK(r.asked == 0);
  CHECK(r.request_id.empty());
  CHECK(channel->sent.empty());
  channel->connected.clear();
  CHECK(result_of(*start(swap("swap-2"))).ranked.empty());
  CHECK(stats_of("acme").asked == 0);
  CHECK_FALSE(stats_of("acme").connected);
}

TEST_CASE_FIXTURE(auction_fixture,
                  "swap: the highest output wins, ties to the earlier quote") {
  auto slot = start(swap("swap-1"));
  quote("acme", "swap-1", "19.8");
  advance(5 * ms);
  quote("beta", "swap-1", "20.1");
  advance(5 * ms);
  quote("gamma", "swap-1", "20.10");
  auto& r = result_of(*slot);
  CHECK(winners(r) == std::vector<std::string>{"beta", "gamma", "acme"});
  CHECK(r.ranked[0].output_amount == units{201} * pow10(23));
}

TEST_CASE_FIXTURE(auction_fixture,
                  "transfer and stake: the lowest fee wins, ties earlier") {
  auto slot = start(transfer("tr-1"));
  quote("acme", "tr-1", "10", "0.02");
  advance(5 * ms);
  quote("beta", "tr-1", "10", "0.03");
  advance(5 * ms);
  quote("gamma", "tr-1", "10", "0.02");
  auto& r = result_of(*slot);
  CHECK(winners(r) == std::vector<std::string>{"acme", "gamma", "beta"});
  CHECK(r.ranked[0].fee == 20'000);
  CHECK(r.ranked[0].output_amount == 10'000'000);

  auto stake = start(transfer("st-1", action_kind::stake));
  quote("gamma", "st-1", "10", "0.5");
  quote("acme", "st-1", "10", "0.1");
  quote("beta", "st-1", "10", "0.1");
  CHECK(winners(result_of(*stake)) ==
        std::vector<std::string>{"acme", "beta", "gamma"});
}

TEST_CASE_FIXTURE(auction_fixture,
                  "invalid quotes are ignored, answered with an error frame "
                  "and counted by reason") {
  auto slot = start(swap("swap-1"));
  auto other = quote_test::other_keys();
  // Signed by another key than acme's.
  deliver("acme", quote_text("acme", "swap-1", "25", "0", &other));
  CHECK(channel->last("acme", "error")["code"] == "bad_signature");
  // Names another intent.
  deliver("acme", quote_text("acme", "swap-9", "25", "0"));
  CHECK(channel->last("acme", "error")["code"] == "wrong_intent");
  // Below min_output_amount (19.5).
  deliver("acme", quote_text("acme", "swap-1", "19.4", "0"));
  CHECK(channel->last("acme", "error")["code"] == "below_minimum");
  // Not a frame at all.
  deliver("acme", "{\"type\":\"quote\"");
  CHECK(channel->last("acme", "error")["code"] == "bad_json");
  // A valid one, then the same frame again.
  auto good = quote_text("beta", "swap-1", "19.6", "0");
  deliver("beta", good);
  deliver("beta", good);
  CHECK(channel->last("beta", "error")["code"] == "replayed");
  // Sent before the window closed, arriving after.
  auto late = quote_text("gamma", "swap-1", "30", "0");
  advance(1000 * ms);
  deliver("gamma", late);
  CHECK(channel->last("gamma", "error")["code"] == "late");

  auto& r = result_of(*slot);
  CHECK(winners(r) == std::vector<std::string>{"beta"});
  CHECK(r.valid == 1);
  auto acme = stats_of("acme");
  CHECK(acme.answered == 1);
  CHECK(acme.valid == 0);
  CHECK(rejected(acme, "bad_signature") == 1);
  CHECK(rejected(acme, "wrong_intent") == 1);
  CHECK(rejected(acme, "below_minimum") == 1);
  CHECK(rejected(acme, "bad_json") == 1);
  auto beta = stats_of("beta");
  CHECK(beta.valid == 1);
  CHECK(rejected(beta, "replayed") == 1);
  auto gamma = stats_of("gamma");
  CHECK(gamma.answered == 0);
  CHECK(rejected(gamma, "late") == 1);
  // A quote for a request never sent.
  auto unknown = json::parse(quote_text("acme", "swap-1", "20", "0"));
  unknown["request_id"] = "rq-77";
  deliver("acme", unknown.dump());
  CHECK(channel->last("acme", "error")["code"] == "wrong_request");
}

TEST_CASE_FIXTURE(auction_fixture,
                  "a solver that disconnects mid-window loses its quote") {
  auto slot = start(swap("swap-1"));
  quote("acme", "swap-1", "30");
  quote("beta", "swap-1", "20");
  gone("acme");
  // A frame it sent before going, delivered after, does not count either.
  quote("acme", "swap-1", "31");
  CHECK(channel->last("acme", "error").is_null());
  CHECK_FALSE(slot->has_value());
  channel->connected = {"beta"};
  gone("gamma");
  // beta answered, acme and gamma gone: closed without waiting.
  auto& r = result_of(*slot);
  CHECK(winners(r) == std::vector<std::string>{"beta"});
  CHECK(r.valid == 1);
  CHECK(r.asked == 3);
  CHECK(stats_of("acme").valid == 1);
  CHECK_FALSE(stats_of("acme").connected);
  CHECK(stats_of("beta").connected);
}

TEST_CASE_FIXTURE(auction_fixture,
                  "outcomes go to the solver as frames and into its stats") {
  auto slot = start(swap("swap-1"));
  quote("acme", "swap-1", "20");
  quote("beta", "swap-1", "19.9");
  quote("gamma", "swap-1", "19.8");
  REQUIRE(winners(result_of(*slot)).front() == "acme");
  assigned("acme", "swap-1");
  auto f = channel->last("acme", "assigned");
  CHECK(f == json{{"type", "assigned"},
                  {"intent_id", "swap-1"},
                  {"request_id", "rq-1"}});
  failed("acme", "swap-1");
  f = channel->last("acme", "settlement_failed");
  CHECK(f == json{{"type", "settlement_failed"},
                  {"intent_id", "swap-1"},
                  {"reason", "insufficient solver balance"}});
  assigned("beta", "swap-1");
  settled("beta", "swap-1");
  f = channel->last("beta", "settled");
  CHECK(f == json{{"type", "settled"},
                  {"intent_id", "swap-1"},
                  {"tx_hash", "0xtx1"},
                  {"output_amount", "20"}});
  // Not assigned to gamma: ignored, no frame.
  settled("gamma", "swap-1");
  CHECK(channel->last("gamma", "settled").is_null());

  auto acme = stats_of("acme");
  CHECK(acme.kind == "external");
  CHECK(acme.account == "acme.near");
  CHECK(acme.won == 1);
  CHECK(acme.failed == 1);
  CHECK(acme.settled == 0);
  CHECK(acme.consecutive_failures == 1);
  CHECK(acme.success_rate == 0.0);
  auto beta = stats_of("beta");
  CHECK(beta.won == 1);
  CHECK(beta.settled == 1);
  CHECK(beta.success_rate == 1.0);
  CHECK(stats_of("gamma").settled == 0);
}

TEST_CASE_FIXTURE(auction_fixture,
                  "a solver resting after failover_after failed settlements "
                  "is not asked until its cooldown ends") {
  for (auto id : {"swap-1", "swap-2"}) {
    auto slot = start(swap(id));
    quote("acme", id, "20");
    quote("beta", id, "19.9");
    quote("gamma", id, "19.8");
    REQUIRE(winners(result_of(*slot)).front() == "acme");
    assigned("acme", id);
    failed("acme", id);
  }
  auto acme = stats_of("acme");
  CHECK(acme.resting);
  CHECK(acme.resting_until == now() + 1000 * ms);
  CHECK(acme.failed == 2);
  CHECK(acme.asked == 2);

  auto slot = start(swap("swap-3"));
  CHECK(stats_of("acme").asked == 2);
  CHECK(channel->last("acme", "quote_request")["intent_id"] == "swap-2");
  CHECK(channel->last("beta", "quote_request")["intent_id"] == "swap-3");
  quote("beta", "swap-3", "19.9");
  quote("gamma", "swap-3", "19.8");
  CHECK(result_of(*slot).asked == 2);
  CHECK(winners(result_of(*slot)) == std::vector<std::string>{"beta", "gamma"});

  advance(1000 * ms);
  CHECK_FALSE(stats_of("acme").resting);
  auto again = start(swap("swap-4"));
  CHECK(channel->last("acme", "quote_request")["intent_id"] == "swap-4");
  CHECK(stats_of("acme").asked == 3);
  advance(1000 * ms);
  CHECK(result_of(*again).asked == 3);

  // Two more failures in a row: the next rest is twice as long.
  for (auto id : {"swap-5", "swap-6"}) {
    auto s = start(swap(id));
    quote("acme", id, "20");
    quote("beta", id, "19.9");
    quote("gamma", id, "19.8");
    REQUIRE(winners(result_of(*s)).front() == "acme");
    assigned("acme", id);
    failed("acme", id);
  }
  CHECK(stats_of("acme").resting_until == now() + 2000 * ms);
}

TEST_CASE_FIXTURE(auction_fixture,
                  "a quote_request is the documented JSON with a fresh id") {
  auto slot = start(swap("swap-1"));
  auto f = channel->last("acme", "quote_request");
  CHECK(f == json{{"type", "quote_request"},
                  {"request_id", "rq-1"},
                  {"intent_id", "swap-1"},
                  {"action", "swap"},
                  {"input_token", "usdc.near"},
                  {"input_amount", "100"},
                  {"output_token", "wrap.near"},
                  {"min_output_amount", "19.5"},
                  {"recipient", nullptr},
                  {"respond_within_ms", 1000}});
  CHECK(channel->last("beta", "quote_request") == f);
  CHECK(channel->last("gamma", "quote_request") == f);
  auto tr = start(transfer("tr-1"));
  f = channel->last("acme", "quote_request");
  CHECK(f["request_id"] == "rq-2");
  CHECK(f["action"] == "transfer");
  CHECK(f["input_amount"] == "10");
  CHECK(f["output_token"].is_null());
  CHECK(f["min_output_amount"].is_null());
  CHECK(f["recipient"] == "bob.near");
  CHECK(channel->sent.size() == 6);
  advance(1000 * ms);
  CHECK(slot->has_value());
  CHECK(tr->has_value());
}

TEST_CASE_FIXTURE(auction_fixture, "the answer to a stats query lists every "
                                   "configured solver") {
  auto all = stats();
  REQUIRE(all.size() == 3);
  CHECK(all[0].solver_id == "acme");
  CHECK(all[1].solver_id == "beta");
  CHECK(all[2].solver_id == "gamma");
  for (auto& r : all) {
    CHECK(r.kind == "external");
    CHECK(r.connected);
    CHECK_FALSE(r.resting);
    CHECK(r.resting_until == 0);
  }
}

TEST_CASE("past max_open windows an auction is refused as overloaded") {
  auction_fixture fx{2, 1};
  auto first = fx.start(fx.swap("swap-1"));
  auto second = fx.start(fx.swap("swap-2"));
  REQUIRE(second->has_value());
  REQUIRE_FALSE(static_cast<bool>(**second));
  CHECK((*second)->error().code == errc::overloaded);
  fx.advance(1000 * ms);
  CHECK(result_of(*first).asked == 3);
  auto third = fx.start(fx.swap("swap-3"));
  CHECK_FALSE(third->has_value());
  fx.advance(1000 * ms);
  CHECK(result_of(*third).asked == 3);
}

TEST_CASE_FIXTURE(auction_fixture,
                  "the auction exits with a window open: its caller is "
                  "answered and no timer keeps it") {
  auto slot = start(swap("swap-1"));
  auto down = std::make_shared<bool>(false);
  caf::actor_cast<caf::actor>(auction)->attach_functor(
      [down](const caf::error&) { *down = true; });
  caf::anon_send_exit(auction, caf::exit_reason::user_shutdown);
  run();
  CHECK(*down);
  CHECK(sys->registry().running() == 0);
  REQUIRE(slot->has_value());
  REQUIRE_FALSE(static_cast<bool>(**slot));
  CHECK((*slot)->error().code == errc::overloaded);
  advance(1000 * ms);
  CHECK(sys->registry().running() == 0);
}

TEST_CASE("past max_quotes valid quotes a window refuses more") {
  auction_fixture fx{2, 16, 2};
  auto slot = fx.start(fx.swap("swap-1"));
  fx.quote("acme", "swap-1", "19.6");
  fx.quote("beta", "swap-1", "19.7");
  fx.quote("gamma", "swap-1", "25");
  CHECK(fx.channel->last("gamma", "error")["code"] == "too_many_quotes");
  auto& r = result_of(*slot);
  CHECK(winners(r) == std::vector<std::string>{"beta", "acme"});
  CHECK(rejected(fx.stats_of("gamma"), "too_many_quotes") == 1);
}
