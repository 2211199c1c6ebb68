#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>

#include "actors/notifier.hpp"
#include "actors/record_reader.hpp"

namespace intentd::test {

using S = intent_status;

/// Records what a subscriber is sent; refuses everything past `capacity`.
struct fake_sink {
  std::vector<notice> got;
  size_t capacity = 1'000'000;

  notice_sink fn() {
    return [this](const notice& n) {
      if (got.size() >= capacity)
        return false;
      got.push_back(n);
      return true;
    };
  }

  /// "status@seq" for updates, the kind's name (and code) for the rest.
  std::vector<std::string> seen() const {
    std::vector<std::string> out;
    for (auto& n : got)
      switch (n.kind) {
      case notice_kind::update:
        out.push_back(n.update->intent_id + ":" + to_string(n.update->status) +
                      "@" + std::to_string(n.update->seq));
        break;
      case notice_kind::subscribed:
        out.push_back("subscribed " + n.key);
        break;
      case notice_kind::unsubscribed:
        out.push_back("unsubscribed " + n.key);
        break;
      case notice_kind::error:
        out.push_back("error " + n.code);
        break;
      }
    return out;
  }
};

using strings = std::vector<std::string>;

/// A notifier on the test coordinator, reading records from a map.
struct notifier_fixture {
  /// Live records of a user, most recently created first, as the reader's
  /// listing answers them; fails while `list_fails` is set.
  std::vector<std::string> live_of(const std::string& user) const {
    std::vector<const intent_record*> live;
    for (auto& [id, rec] : records)
      if (rec.request.user_account == user && !is_terminal(rec.status))
        live.push_back(&rec);
    std::sort(live.begin(), live.end(),
              [](auto* a, auto* b) { return a->created_at > b->created_at; });
    std::vector<std::string> out;
    out.reserve(live.size());
    for (auto* rec : live)
      out.push_back(rec->request.id);
    return out;
  }

  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  std::map<std::string, intent_record> records;
  std::shared_ptr<std::atomic<uint64_t>> active =
      std::make_shared<std::atomic<uint64_t>>(0);
  record_reader_actor reader;
  notifier_actor notifier;
  transition_hook hook;
  bool list_fails = false;
  /// The limits the listing was asked for.
  std::vector<uint32_t> list_limits;

  explicit notifier_fixture(uint32_t max_subscriptions = 100,
                            uint32_t max_current_per_user = 100) {
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.verbosity", caf::atom("quiet"));
    add_message_types(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
    reader = spawn_record_reader(
        *sys,
        [this](const std::string& id) -> record_outcome {
          auto i = records.find(id);
          if (i == records.end())
            return problem{errc::not_found, "no " + id, {}};
          return i->second;
        },
        [this](const std::string& user, uint32_t limit) -> records_outcome {
          list_limits.push_back(limit);
          if (list_fails)
            return problem{errc::storage_unavailable, "disk gone", {}};
          auto ids = live_of(user);
          if (ids.size() > limit)
            ids.resize(limit);
          std::vector<intent_record> out;
          for (auto i = ids.rbegin(); i != ids.rend(); ++i)
            out.push_back(records.at(*i));
          return out;
        },
        false);
    notifier_options opts;
    opts.max_subscriptions = max_subscriptions;
    opts.max_current_per_user = max_current_per_user;
    opts.active = active;
    notifier = spawn_notifier(*sys, reader, opts);
    hook = make_notifier_hook(notifier, std::make_shared<token_registry>(),
                              active);
    run();
  }

  ~notifier_fixture() {
    caf::anon_send_exit(notifier, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(reader, caf::exit_reason::user_shutdown);
    run();
    sched->clock().cancel_all();
  }

  void run() { sched->run(); }

  void attach(uint64_t id, fake_sink& sink) {
    caf::anon_send(notifier, attach_atom::value, id, sink.fn());
  }

  void sub(uint64_t id, const std::string& key,
           subscription_target t = subscription_target::intent) {
    caf::anon_send(notifier, subscribe_atom::value, id, t, key);
  }

  void unsub(uint64_t id, const std::string& key,
             subscription_target t = subscription_target::intent) {
    caf::anon_send(notifier, unsubscribe_atom::value, id, t, key);
  }

  /// Moves a record one or more statuses on, stores it and calls the hook
  /// as an intent actor does after a durable write.
  void advance(const std::string& id, std::vector<S> steps,
               const std::string& user = "alice.near") {
    auto& rec = records[id];
    auto previous = rec.seq;
    if (rec.request.id.empty()) {
      rec.request.id = id;
      rec.request.user_account = user;
      rec.request.action = action_kind::transfer;
      rec.created_at = static_cast<time_us>(records.size());
    }
    for (auto s : steps) {
      rec.status = s;
      rec.seq += 1;
      rec.history.push_back({s, static_cast<time_us>(rec.seq * 1000)});
    }
    hook(rec, previous);
  }

  notifier_stats stats() {
    auto out = std::make_shared<notifier_stats>();
    sys->spawn([=](caf::event_based_actor* self) {
      self->request(notifier, caf::infinite, stats_atom::value)
          .then([=](notifier_stats s) { *out = s; });
    });
    run();
    return *out;
  }
};

} // namespace intentd::test
