#pragma once

// An auction on the test coordinator with three solvers, a fake transport
// and a recorded observer, shared by the auction tests.

#include <doctest/doctest.h>

#include <cmath>
#include <functional>
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

namespace auction_test {

using namespace intentd;
using json = nlohmann::json;

inline constexpr time_us ms = 1'000;
inline constexpr time_us sec = 1'000'000;

// RFC 8032, section 7.1, test 1.
inline ed25519_keys gamma_keys() {
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

/// What the auction told its observer, one line per call: "asked acme",
/// "answered acme 100ms", "valid acme", "rejected acme late", "won acme",
/// "settled acme swap 250ms" or "failed acme transfer 250ms" (the action
/// "?" when the auction did not know it); and the last report each
/// settlement hook had per solver.
struct observed {
  std::vector<std::string> events;
  std::map<std::string, external_solver_report> after;

  /// The events naming `solver`.
  std::vector<std::string> of(const std::string& solver) const {
    std::vector<std::string> out;
    for (auto& e : events)
      if (e.find(" " + solver) != std::string::npos)
        out.push_back(e);
    return out;
  }
};

inline std::string as_ms(double seconds) {
  return std::to_string(std::llround(seconds * 1000)) + "ms";
}

inline auction_observer recorder(std::shared_ptr<observed> o) {
  auction_observer h;
  h.asked = [o](const std::string& id) { o->events.push_back("asked " + id); };
  h.answered = [o](const std::string& id, double seconds) {
    o->events.push_back("answered " + id + " " + as_ms(seconds));
  };
  h.valid = [o](const std::string& id) { o->events.push_back("valid " + id); };
  h.rejected = [o](const std::string& id, const std::string& reason) {
    o->events.push_back("rejected " + id + " " + reason);
  };
  h.won = [o](const std::string& id) { o->events.push_back("won " + id); };
  h.settlement = [o](const external_solver_report& r,
                     std::optional<action_kind> action, bool ok,
                     double seconds) {
    o->events.push_back(std::string{ok ? "settled " : "failed "} + r.solver_id +
                        " " + (action ? to_string(*action) : std::string{"?"}) +
                        " " + as_ms(seconds));
    o->after[r.solver_id] = r;
  };
  return h;
}

/// An auction on CAF's test coordinator with three solvers (acme, beta,
/// gamma), a 1000 ms window and a wall clock that is the test clock;
/// `tweak` may change its options before it is spawned.
struct auction_fixture {
  static constexpr time_us epoch = 1'800'000'000'000'000; // 2027-01-15

  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  std::shared_ptr<fake_channel> channel = std::make_shared<fake_channel>();
  std::shared_ptr<observed> seen = std::make_shared<observed>();
  auction_actor auction;
  std::map<std::string, ed25519_keys> keys{{"acme", quote_test::acme_keys()},
                                           {"beta", quote_test::other_keys()},
                                           {"gamma", gamma_keys()}};

  explicit auction_fixture(
      uint32_t failover_after = 2, size_t max_open = 16, size_t max_quotes = 64,
      const std::function<void(auction_options&)>& tweak = {}) {
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
    opts.observer = recorder(seen);
    if (tweak)
      tweak(opts);
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

  /// `solver` connects, and the transport tells the auction.
  void connect(const std::string& solver) {
    channel->connected.push_back(solver);
    caf::anon_send(auction, ready_atom::value, solver);
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

inline const auction_result&
result_of(const std::optional<auction_outcome>& slot) {
  REQUIRE_MESSAGE(slot.has_value(), "the auction has not answered");
  REQUIRE_MESSAGE(static_cast<bool>(*slot), slot->error().message);
  return slot->value();
}

inline std::vector<std::string> winners(const auction_result& r) {
  std::vector<std::string> out;
  for (auto& q : r.ranked)
    out.push_back(q.solver_id);
  return out;
}

inline uint64_t rejected(const external_solver_report& r,
                         const std::string& reason) {
  for (auto& [name, n] : r.rejected)
    if (name == reason)
      return n;
  return 0;
}

} // namespace auction_test
