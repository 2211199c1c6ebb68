// The simulated chain's side of the ledger snapshot (docs/durability.md,
// "The chain's ledger snapshot"): when it hands one over, what it starts
// from, and that a start from a snapshot answers as a full replay.
#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/model/simulated_chain.hpp"

using namespace intentd;

namespace {

/// A journal in memory with an index (a scan of its events) and one
/// snapshot slot, shared by the chains built on it.
struct journal_state {
  std::vector<chain_event> events;
  std::optional<chain_ledger> snapshot;
  /// What replay_from hands `load` instead of the snapshot, when set.
  std::optional<problem> refuse;
  bool wants = true;
  bool hide_snapshot = false;
  std::vector<uint64_t> kept; // the event counts of the snapshots kept
};

class snapshot_journal final : public chain_journal, public chain_history {
public:
  explicit snapshot_journal(std::shared_ptr<journal_state> s)
      : s_(std::move(s)) {}

  chain_history* history() override { return this; }
  bool record(const chain_event& e) override {
    s_->events.push_back(e);
    return true;
  }
  bool replay(const std::function<void(const chain_event&)>& fn) override {
    for (const auto& e : s_->events)
      fn(e);
    return true;
  }
  bool wants_snapshot() override { return s_->wants; }
  void keep_snapshot(const chain_ledger& ledger) override {
    s_->snapshot = ledger;
    s_->kept.push_back(ledger.events);
  }
  bool replay_from(const std::function<void(outcome<chain_ledger>)>& load,
                   const std::function<void(const chain_event&)>& fn) override {
    std::size_t from = 0;
    if (s_->refuse) {
      load(*s_->refuse);
    } else if (s_->snapshot && !s_->hide_snapshot) {
      from = s_->snapshot->events;
      load(*s_->snapshot);
    }
    for (auto i = from; i < s_->events.size(); ++i)
      fn(s_->events[i]);
    return true;
  }

  outcome<uint32_t> executions(const std::string& id) override {
    uint32_t n = 0;
    for (const auto& e : s_->events)
      if (e.intent_id == id && is_execution(e.kind))
        ++n;
    return n;
  }
  outcome<std::optional<chain_event>>
  final_event(const std::string& id) override {
    std::optional<chain_event> out;
    for (const auto& e : s_->events)
      if (e.intent_id == id && e.kind != chain_event_kind::reserve)
        out = e;
    return out;
  }
  outcome<std::optional<chain_event>>
  tx_event(const std::string& hash) override {
    std::optional<chain_event> out;
    for (const auto& e : s_->events)
      if (!hash.empty() && e.tx_hash == hash)
        out = e;
    return out;
  }
  bool each_execution(
      const std::function<void(const std::string&, uint32_t)>&) override {
    return true;
  }

private:
  std::shared_ptr<journal_state> s_;
};

std::unique_ptr<simulated_chain>
chain_on(const std::shared_ptr<journal_state>& s, uint64_t every = 10) {
  simulated_chain_options opts;
  opts.failure_rate = 0.3;
  opts.revert_rate = 0.2;
  opts.snapshot_events = every;
  token_registry tokens(
      {{"usdc.near", 6, pow10(9)}, {"wrap.near", 24, 5 * pow10(9)}});
  return std::make_unique<simulated_chain>(
      tokens, opts, std::make_unique<snapshot_journal>(s));
}

intent pay(int i) {
  intent in;
  in.id = "p" + std::to_string(i);
  in.user_account = "user" + std::to_string(i % 4) + ".near";
  in.action = action_kind::transfer;
  in.input_token = "usdc.near";
  in.input_amount = (1 + i % 9) * pow10(6);
  in.recipient = "shop.near";
  return in;
}

/// Verifies and executes intents [from, to) (every third left reserved),
/// a block each; returns the answers.
std::vector<std::string> drive(simulated_chain& c, int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) {
    auto in = pay(i);
    out.push_back(std::to_string(static_cast<int>(c.verify(in).fault)));
    if (i % 3 != 0) {
      auto r = c.execute(in, "builtin");
      out.push_back(std::to_string(static_cast<int>(r.fault)) + r.tx_hash);
    }
    REQUIRE(c.commit());
  }
  return out;
}

} // namespace

TEST_CASE("the chain hands a snapshot over every snapshot_events events, "
          "when the journal would write it") {
  auto s = std::make_shared<journal_state>();
  {
    auto c = chain_on(s);
    s->wants = false;
    drive(*c, 0, 20);
    CHECK(s->kept.empty());
    s->wants = true;
    drive(*c, 20, 60);
    REQUIRE(s->kept.size() >= 2);
    // Each at least 10 events and at least the ledger's entries apart, at
    // the event count the chain had then.
    for (std::size_t i = 1; i < s->kept.size(); ++i)
      CHECK(s->kept[i] - s->kept[i - 1] >= 10);
    CHECK(s->snapshot->events == s->kept.back());
    CHECK(s->kept.back() <= c->events());
    CHECK(c->events() == s->events.size());
  }
  // At its close, a snapshot of every event.
  CHECK(s->kept.back() == s->events.size());
  CHECK(s->snapshot->events == s->events.size());

  auto off = std::make_shared<journal_state>();
  {
    auto c = chain_on(off, 0);
    drive(*c, 0, 40);
  }
  CHECK(off->kept.empty());
}

TEST_CASE("a chain started from a snapshot answers as one that replayed "
          "every event, faults drawn included") {
  auto s = std::make_shared<journal_state>();
  {
    auto c = chain_on(s);
    drive(*c, 0, 50);
    // Events after the snapshot: with snapshots off, none at the close.
  }
  {
    auto c = chain_on(s, 0);
    drive(*c, 50, 57);
  }
  REQUIRE(s->snapshot);
  REQUIRE(s->snapshot->events < s->events.size());
  auto events = s->events;
  auto snapshot = *s->snapshot;

  auto from_snapshot = chain_on(s, 0);
  CHECK(from_snapshot->replay_report().snapshot_events == snapshot.events);
  CHECK(from_snapshot->replay_report().events ==
        events.size() - snapshot.events);
  auto a = drive(*from_snapshot, 100, 130);

  auto full = std::make_shared<journal_state>();
  full->events = events;
  full->snapshot = snapshot;
  full->hide_snapshot = true;
  auto replayed = chain_on(full, 0);
  CHECK(replayed->replay_report().snapshot_events == 0);
  CHECK(replayed->replay_report().events == events.size());
  auto b = drive(*replayed, 100, 130);
  CHECK(a == b);
  CHECK(from_snapshot->ledger() == replayed->ledger());
  CHECK(from_snapshot->block_height() == replayed->block_height());
}

TEST_CASE("a refused snapshot leaves the chain to replay every event") {
  auto s = std::make_shared<journal_state>();
  {
    auto c = chain_on(s);
    drive(*c, 0, 30);
  }
  auto expected = chain_on(s, 0)->ledger();
  s->refuse = problem{errc::storage_corrupt, "fails its checksum", {}};
  auto c = chain_on(s, 0);
  REQUIRE(c->replay_report().snapshot_refused);
  CHECK(c->replay_report().snapshot_refused->message == "fails its checksum");
  CHECK(c->replay_report().snapshot_events == 0);
  CHECK(c->replay_report().events == s->events.size());
  CHECK(c->ledger() == expected);
}
