// The simulated chain's journal alone under the chain's write pattern, the
// LMDB journal against the logged one: each flush (one chain block) holds
// N intents reserved (an executions lookup, a reserve event, a description)
// and the N reserved by the flush before executed (an executions lookup, a
// description read, an execute event with a random transaction hash, a
// description), as simulated_chain does.
//
//   chain_journal_bench [--journal lmdb|log] [--flushes F=2000]
//                       [--per-flush N=32] [--sync true|false]
//                       [--checkpoint-ms MS=1000] [--dir DIR]
//
// Prints flushes per second and, per intent (two events, two
// descriptions), the bytes the device received (/proc/diskstats of the
// disk holding DIR: the whole disk, so other writers count too), the bytes
// the kernel counted as dirtied (/proc/self/io), the CPU time; the flush
// latency (p50, p99, max) and, for the log, the checkpoints (committed by
// the checkpointer's thread) and the longest one. The journal starts empty; the
// log's checkpoint at the close is counted.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "io_counters.hpp"
#include "persistence/chain_journal_log.hpp"

using namespace intentd;
using namespace intentd::bench;
using clock_type = std::chrono::steady_clock;

namespace {

std::string hex(std::mt19937_64& rng, int digits) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < digits; ++i)
    out.push_back(d[rng() % 16]);
  return out;
}

chain_intent_info info_of(const std::string& id, time_us at) {
  chain_intent_info info;
  info.intent_id = id;
  info.action = action_kind::swap;
  info.user_account = "user" + id.substr(id.size() - 3) + ".near";
  info.input_token = "usdc.near";
  info.input_amount = 100'000'000;
  info.output_token = "wrap.near";
  info.first_seen = at;
  info.last_change = at;
  return info;
}

} // namespace

int main(int argc, char** argv) {
  std::string journal = "lmdb";
  uint64_t flushes = 2000;
  std::size_t per_flush = 32;
  bool sync = true;
  long checkpoint_ms = 1000;
  std::string dir;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : ""; };
    if (a == "--journal")
      journal = next();
    else if (a == "--flushes")
      flushes = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--per-flush")
      per_flush = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--sync")
      sync = next() == "true";
    else if (a == "--checkpoint-ms")
      checkpoint_ms = std::atol(next().c_str());
    else if (a == "--dir")
      dir = next();
    else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  if (journal != "lmdb" && journal != "log") {
    std::fprintf(stderr, "--journal is lmdb or log\n");
    return 2;
  }
  bool own_dir = dir.empty();
  if (own_dir)
    dir = (std::filesystem::temp_directory_path() /
           ("chain-bench-" + std::to_string(::getpid())))
              .string();
  std::filesystem::remove_all(dir + "/chain");
  std::filesystem::create_directories(dir);
  auto dev = device_of(dir);

  std::unique_ptr<chain_journal> j;
  logged_chain_journal* logged = nullptr;
  // Counted on the checkpointer's thread; read after the journal closed.
  std::atomic<uint64_t> checkpoints{0};
  clock_type::time_point checkpoint_began;
  double checkpoint_ms_max = 0;
  if (journal == "lmdb") {
    chain_journal_options o;
    o.path = dir + "/chain";
    o.sync = sync;
    auto opened = lmdb_chain_journal::open(o);
    if (!opened) {
      std::fprintf(stderr, "%s\n", opened.error().message.c_str());
      return 1;
    }
    j = std::move(*opened);
  } else {
    logged_chain_journal_options o;
    o.journal.path = dir + "/chain";
    o.journal.sync = sync;
    o.log.sync = sync;
    o.checkpoint_interval = std::chrono::milliseconds{checkpoint_ms};
    o.on_checkpoint_start = [&] { checkpoint_began = clock_type::now(); };
    o.on_checkpoint_committed = [&] { ++checkpoints; };
    o.on_checkpoint_done = [&](const auto&) {
      checkpoint_ms_max =
          std::max(checkpoint_ms_max, std::chrono::duration<double, std::milli>(
                                          clock_type::now() - checkpoint_began)
                                          .count());
    };
    auto opened = logged_chain_journal::open(o);
    if (!opened) {
      std::fprintf(stderr, "%s\n", opened.error().message.c_str());
      return 1;
    }
    logged = opened->get();
    j = std::move(*opened);
  }
  auto* h = j->history();
  std::mt19937_64 rng(7);
  std::vector<std::string> reserved;
  std::vector<double> latencies;
  latencies.reserve(flushes);
  uint64_t intents = 0;
  time_us now = 1'800'000'000'000'000;

  auto d0 = device_bytes(dev);
  auto w0 = read_io().write_bytes;
  auto c0 = cpu_seconds();
  auto t0 = clock_type::now();
  for (uint64_t f = 0; f < flushes; ++f) {
    now += 20'000;
    std::vector<std::string> fresh;
    for (std::size_t i = 0; i < per_flush; ++i) {
      char ms[16];
      std::snprintf(ms, sizeof ms, "%012llx",
                    static_cast<unsigned long long>(now / 1000));
      auto id = "int_" + std::string(ms) + hex(rng, 24);
      (void)h->executions(id);
      chain_event e;
      e.kind = chain_event_kind::reserve;
      e.intent_id = id;
      e.account = info_of(id, now).user_account;
      e.token = "usdc.near";
      e.amount = 100'030'000;
      j->record(e);
      j->describe(info_of(id, now));
      fresh.push_back(id);
    }
    for (const auto& id : reserved) {
      (void)h->executions(id);
      auto kept = h->intent_info(id);
      chain_event e;
      e.kind = chain_event_kind::execute;
      e.intent_id = id;
      e.account = info_of(id, now).user_account;
      e.token = "wrap.near";
      e.amount = units{20'000'000'000} * 1'000'000'000'000u;
      e.tx_hash = "0x" + hex(rng, 64);
      e.block = f + 1;
      j->record(e);
      auto info = kept && *kept ? **kept : info_of(id, now);
      info.last_change = now;
      j->describe(info);
      ++intents;
    }
    reserved = std::move(fresh);
    auto s = clock_type::now();
    if (!j->flush()) {
      std::fprintf(stderr, "flush failed\n");
      return 1;
    }
    latencies.push_back(
        std::chrono::duration<double, std::milli>(clock_type::now() - s)
            .count());
  }
  double elapsed =
      std::chrono::duration<double>(clock_type::now() - t0).count();
  // The log's last checkpoint, at the close, counts: a clean stop makes it.
  j.reset();
  double n = static_cast<double>(intents);
  auto device = (device_bytes(dev) - d0) / n;
  auto dirtied = (read_io().write_bytes - w0) / n;
  auto cpu = (cpu_seconds() - c0) * 1e6 / n;
  std::sort(latencies.begin(), latencies.end());
  auto at = [&](double q) {
    return latencies[std::min(latencies.size() - 1,
                              static_cast<std::size_t>(q * latencies.size()))];
  };
  std::printf("journal %s, %llu flushes of %zu intents, sync %s, %s on %s\n",
              journal.c_str(), static_cast<unsigned long long>(flushes),
              per_flush, sync ? "true" : "false", dir.c_str(), dev.c_str());
  std::printf("flushes/s %.0f  device B/intent %.0f  dirtied B/intent %.0f  "
              "CPU us/intent %.1f  flush ms p50 %.2f p99 %.2f max %.2f",
              flushes / elapsed, device, dirtied, cpu, at(0.5), at(0.99),
              latencies.back());
  if (logged != nullptr)
    std::printf("  checkpoints %llu (longest %.0f ms)",
                static_cast<unsigned long long>(checkpoints.load()),
                checkpoint_ms_max);
  std::printf("\n");
  if (own_dir)
    std::filesystem::remove_all(dir);
  return 0;
}
