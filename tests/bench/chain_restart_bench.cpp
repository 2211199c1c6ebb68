// The simulated chain's start on a long journal: a full replay of every
// event against the ledger snapshot and the events after it
// (docs/durability.md, "The chain's ledger snapshot").
//
//   chain_restart_bench [--journal lmdb|log] [--intents N=1000000]
//                       [--accounts A=10000] [--tail-intents T=50000]
//                       [--live L=0] [--rounds R=3] [--dir DIR] [--keep]
//
// Builds a journal in DIR/chain (unless one is there from an earlier run
// with --keep) of N transfers, each reserved and executed (2N events),
// between A accounts, through simulated_chain with its default snapshot
// policy, the last T of them with snapshots off, so that the newest
// snapshot is 2T events behind (the policy's worst case at T = 50,000),
// then L more reserved and left live (the snapshot taken at the close
// holds them: with L > 0 it is the clean stop's, every event in it).
// Then opens the chain on it R times each way, alternating: "full" replays
// every event (what a journal without snapshots does), "snapshot" loads the
// snapshot and replays the events after it. Prints, per open, the wall and
// CPU time of opening the journal and of the chain's replay, the
// snapshot's size and what making one costs the chain (the ledger copied
// and encoded, as keep_snapshot does, 5 times).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include "persistence/chain_journal_log.hpp"
#include "persistence/chain_snapshot_codec.hpp"
#include "runtime/model/simulated_chain.hpp"

using namespace intentd;
using clock_type = std::chrono::steady_clock;

namespace {

/// Hides the journal's snapshots: the chain replays every event.
class full_replay final : public chain_journal {
public:
  explicit full_replay(std::unique_ptr<chain_journal> j) : j_(std::move(j)) {}
  chain_history* history() override { return j_->history(); }
  bool record(const chain_event& e) override { return j_->record(e); }
  bool describe(const chain_intent_info& i) override { return j_->describe(i); }
  bool flush() override { return j_->flush(); }
  bool replay(const std::function<void(const chain_event&)>& fn) override {
    return j_->replay(fn);
  }

private:
  std::unique_ptr<chain_journal> j_;
};

token_registry tokens() {
  return token_registry(
      {{"usdc.near", 6, pow10(9)}, {"wrap.near", 24, 5 * pow10(9)}});
}

std::unique_ptr<chain_journal> open_journal(const std::string& kind,
                                            const std::string& path) {
  chain_journal_options o;
  o.path = path;
  o.sync = false;
  auto j = open_chain_journal(o, kind == "log");
  if (!j) {
    std::fprintf(stderr, "%s\n", j.error().message.c_str());
    std::exit(1);
  }
  return std::move(*j);
}

/// Intents [from, to) reserved and executed (only reserved with `live`),
/// a block every 64.
void load(simulated_chain& c, uint64_t from, uint64_t to, uint64_t accounts,
          bool live = false) {
  for (uint64_t i = from; i < to; ++i) {
    intent in;
    in.id = "intent-" + std::to_string(i);
    in.user_account = "user" + std::to_string(i % accounts) + ".near";
    in.action = action_kind::transfer;
    in.input_token = "usdc.near";
    in.input_amount = pow10(4);
    in.recipient = "user" + std::to_string((i * 7 + 1) % accounts) + ".near";
    if (c.verify(in).fault != chain_fault::none ||
        (!live && c.execute(in, "builtin").fault != chain_fault::none)) {
      std::fprintf(stderr, "intent %llu failed\n",
                   static_cast<unsigned long long>(i));
      std::exit(1);
    }
    if (i % 64 == 63 && !c.commit()) {
      std::fprintf(stderr, "commit failed\n");
      std::exit(1);
    }
  }
  if (!c.commit())
    std::exit(1);
}

double since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

double cpu_since(std::clock_t c) {
  return static_cast<double>(std::clock() - c) / CLOCKS_PER_SEC;
}

} // namespace

int main(int argc, char** argv) {
  std::string journal = "lmdb";
  uint64_t intents = 1'000'000;
  uint64_t accounts = 10'000;
  uint64_t tail = 50'000;
  uint64_t live = 0;
  int rounds = 3;
  std::string dir;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : ""; };
    if (a == "--journal")
      journal = next();
    else if (a == "--intents")
      intents = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--accounts")
      accounts =
          std::max<uint64_t>(1, std::strtoull(next().c_str(), nullptr, 10));
    else if (a == "--tail-intents")
      tail = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--live")
      live = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--rounds")
      rounds = std::atoi(next().c_str());
    else if (a == "--dir")
      dir = next();
    else if (a == "--keep")
      keep = true;
    else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  if (journal != "lmdb" && journal != "log") {
    std::fprintf(stderr, "--journal is lmdb or log\n");
    return 2;
  }
  if (dir.empty())
    dir = (std::filesystem::temp_directory_path() /
           ("chain-restart-bench-" + journal))
              .string();
  const std::string path = dir + "/chain";
  if (!keep || !std::filesystem::exists(path + "/data.mdb")) {
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(dir);
    tail = std::min(tail, intents);
    auto began = clock_type::now();
    {
      simulated_chain c(tokens(), {}, open_journal(journal, path));
      load(c, 0, intents - tail, accounts);
    }
    {
      simulated_chain_options no_snapshots;
      no_snapshots.snapshot_events = 0;
      simulated_chain c(tokens(), no_snapshots, open_journal(journal, path));
      load(c, intents - tail, intents, accounts);
    }
    if (live > 0) {
      simulated_chain c(tokens(), {}, open_journal(journal, path));
      load(c, intents, intents + live, accounts, true);
    }
    std::printf("built %s journal: %llu intents over %llu accounts, the last "
                "%llu after the newest snapshot, %llu live, in %.1f s\n",
                journal.c_str(), static_cast<unsigned long long>(intents),
                static_cast<unsigned long long>(accounts),
                static_cast<unsigned long long>(tail),
                static_cast<unsigned long long>(live), since(began));
  }
  // Opened with snapshots off: the chain's close writes none, and the
  // journal stays as built.
  simulated_chain_options none;
  none.snapshot_events = 0;
  for (int r = 0; r < 2 * rounds; ++r) {
    bool full = r % 2 == 0;
    auto t0 = clock_type::now();
    auto c0 = std::clock();
    auto j = open_journal(journal, path);
    double open_s = since(t0);
    double open_cpu = cpu_since(c0);
    auto t1 = clock_type::now();
    auto c1 = std::clock();
    std::unique_ptr<simulated_chain> c;
    if (full)
      c = std::make_unique<simulated_chain>(
          tokens(), none, std::make_unique<full_replay>(std::move(j)));
    else
      c = std::make_unique<simulated_chain>(tokens(), none, std::move(j));
    double replay_s = since(t1);
    double replay_cpu = cpu_since(c1);
    const auto& report = c->replay_report();
    auto ledger = c->ledger();
    std::printf(
        "%-8s open %.3f s (%.3f CPU), chain replay %.3f s (%.3f CPU): "
        "snapshot at %llu, %llu events replayed; ledger %zu accounts, "
        "%zu reservations, snapshot %zu bytes\n",
        full ? "full" : "snapshot", open_s, open_cpu, replay_s, replay_cpu,
        static_cast<unsigned long long>(report.snapshot_events),
        static_cast<unsigned long long>(report.events), ledger.balances.size(),
        ledger.reservations.size(), encode_chain_snapshot(ledger).size());
    if (!full) {
      auto t2 = clock_type::now();
      auto c2 = std::clock();
      std::size_t bytes = 0;
      for (int i = 0; i < 5; ++i)
        bytes += encode_chain_snapshot(c->ledger()).size();
      std::printf("         a snapshot made in %.1f ms (%.1f ms CPU)\n",
                  since(t2) * 1000 / 5, cpu_since(c2) * 1000 / 5);
      (void)bytes;
    }
    c.reset();
  }
  if (!keep)
    std::filesystem::remove_all(path);
  return 0;
}
