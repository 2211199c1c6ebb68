// The intent store alone under the write pattern of the running engine:
// every commit holds K new pending records, the K intents of the commit
// before moved to executing (with a transaction hash) and the K before those
// moved to completed, as the storage writer batches them.
//
//   store_bench [--batches N=2000] [--per-commit K=30] [--users U=2000]
//               [--sync true|false] [--dir DIR]
//               [--logged true|false] [--checkpoint-ms MS=1000]
//               [--replay true|false] [--checkpointer true|false]
//
// Prints records and intents per second, and what each commit cost: write
// system calls, bytes written, bytes the kernel counted as dirtied, and CPU
// time; then per record and per intent the bytes the device received
// (/proc/diskstats of the disk holding DIR: the whole disk, so other writers
// count too) and the dirtied bytes. With --logged true the commits go
// through a logged_store (each one a write-log batch and fdatasync) and a
// checkpoint into LMDB runs every MS milliseconds and once at the end,
// counted. With --replay true as well there is no checkpoint at the end:
// the store is closed and opened again, and the time its replay of the log
// took is printed. With --checkpointer true the logged store's
// checkpointer thread checkpoints (every MS milliseconds, or sooner at its
// table and log thresholds) while the commits go on.
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "io_counters.hpp"
#include "persistence/intent_store.hpp"
#include "persistence/logged_store.hpp"
#include "runtime/model/time.hpp"
#include "runtime/model/validation.hpp"

using namespace intentd;
using namespace intentd::bench;

namespace {

std::string random_hex(std::mt19937_64& rng, int digits) {
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < digits; ++i)
    out.push_back(hex[rng() & 15]);
  return out;
}

intent_record make_pending(time_us now, int user) {
  intent_record rec;
  rec.request.id = generate_intent_id(now);
  rec.request.user_account = "bench-" + std::to_string(user) + ".near";
  rec.request.action = action_kind::swap;
  rec.request.input_token = "usdc.near";
  rec.request.output_token = "wrap.near";
  rec.request.input_amount = 10'000'000;
  rec.request.min_output_amount = 1;
  rec.request.expires_at = now + 300'000'000;
  rec.status = intent_status::pending;
  rec.status_message = "Waiting for a solver to verify the intent.";
  rec.created_at = now;
  rec.updated_at = now;
  rec.history.push_back({intent_status::pending, now});
  rec.seq = 1;
  rec.body_digest = std::string(64, 'd');
  return rec;
}

void advance(intent_record& rec, intent_status to, time_us now,
             std::mt19937_64& rng) {
  if (to == intent_status::executing) {
    rec.history.push_back({intent_status::verified, now});
    rec.execution.solver_id = "solver-1";
    rec.execution.transactions.push_back(
        {"0x" + random_hex(rng, 64), "execute", "pending"});
  } else {
    rec.execution.transactions.back().status = "success";
  }
  rec.history.push_back({to, now});
  rec.status = to;
  rec.status_message = to_string(to);
  rec.updated_at = now;
  ++rec.seq;
}

} // namespace

int main(int argc, char** argv) {
  int batches = 2000;
  int per_commit = 30;
  int users = 2000;
  bool sync = true;
  bool logged = false;
  int checkpoint_ms = 1000;
  bool replay = false;
  bool threaded = false;
  std::string dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string key = argv[i];
    std::string value = argv[i + 1];
    if (key == "--batches")
      batches = std::stoi(value);
    else if (key == "--per-commit")
      per_commit = std::stoi(value);
    else if (key == "--users")
      users = std::stoi(value);
    else if (key == "--sync")
      sync = value == "true";
    else if (key == "--dir")
      dir = value;
    else if (key == "--logged")
      logged = value == "true";
    else if (key == "--checkpoint-ms")
      checkpoint_ms = std::stoi(value);
    else if (key == "--replay")
      replay = value == "true";
    else if (key == "--checkpointer")
      threaded = value == "true";
    else {
      std::fprintf(stderr, "unknown option %s\n", key.c_str());
      return 2;
    }
  }
  bool own_dir = dir.empty();
  if (own_dir)
    dir = (std::filesystem::temp_directory_path() /
           ("intentd-store-bench-" + std::to_string(::getpid())))
              .string();
  store_options opts;
  opts.path = dir;
  opts.sync = sync;
  std::optional<intent_store> plain;
  std::optional<logged_store> log_store;
  if (logged) {
    logged_store_options lo;
    lo.store = opts;
    lo.log.sync = sync;
    lo.checkpoint_interval = std::chrono::milliseconds(checkpoint_ms);
    lo.checkpointer = threaded;
    auto s = logged_store::open(lo);
    if (!s) {
      std::fprintf(stderr, "%s\n", s.error().message.c_str());
      return 1;
    }
    log_store.emplace(std::move(*s));
  } else {
    auto s = intent_store::open(opts);
    if (!s) {
      std::fprintf(stderr, "%s\n", s.error().message.c_str());
      return 1;
    }
    plain.emplace(std::move(*s));
  }
  auto dev = device_of(dir);
  uint64_t checkpoints = 0;
  auto checkpoint = [&]() -> bool {
    auto c = log_store->checkpoint();
    if (!c) {
      std::fprintf(stderr, "checkpoint failed: %s\n",
                   c.error().message.c_str());
      return false;
    }
    ++checkpoints;
    return true;
  };
  auto dev0 = device_bytes(dev);
  std::mt19937_64 rng(7);
  std::vector<intent_record> fresh;
  std::vector<intent_record> executing;
  auto io0 = read_io();
  double cpu0 = cpu_seconds();
  auto t0 = std::chrono::steady_clock::now();
  auto last_checkpoint = t0;
  uint64_t records = 0;
  uint64_t completed = 0;
  for (int b = 0; b < batches + 2; ++b) {
    time_us now = wall_clock_now();
    std::vector<intent_record> batch;
    for (auto& rec : executing) {
      advance(rec, intent_status::completed, now, rng);
      batch.push_back(std::move(rec));
    }
    completed += executing.size();
    executing.clear();
    for (auto& rec : fresh) {
      advance(rec, intent_status::executing, now, rng);
      executing.push_back(rec);
      batch.push_back(std::move(rec));
    }
    fresh.clear();
    if (b < batches)
      for (int i = 0; i < per_commit; ++i) {
        fresh.push_back(make_pending(now, static_cast<int>(rng() % users)));
        batch.push_back(fresh.back());
      }
    if (auto put = logged ? log_store->put(batch) : plain->put(batch); !put) {
      std::fprintf(stderr, "commit failed: %s\n", put.error().message.c_str());
      return 1;
    }
    records += batch.size();
    if (logged && !threaded &&
        std::chrono::steady_clock::now() - last_checkpoint >=
            std::chrono::milliseconds(checkpoint_ms)) {
      if (!checkpoint())
        return 1;
      last_checkpoint = std::chrono::steady_clock::now();
    }
  }
  if (threaded) {
    log_store->stop_checkpointer();
    auto state = log_store->checkpointer_state();
    checkpoints += state.checkpoints;
    if (state.last_problem) {
      std::fprintf(stderr, "checkpoint failed: %s\n",
                   state.last_problem->message.c_str());
      return 1;
    }
  }
  if (logged && !replay && !checkpoint())
    return 1;
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  auto io1 = read_io();
  auto dev1 = device_bytes(dev);
  double cpu = cpu_seconds() - cpu0;
  int commits = batches + 2;
  std::printf("store_bench: %d commits, %llu records, %llu intents completed "
              "in %.2f s (sync %s, %d per commit, %d users)\n",
              commits, static_cast<unsigned long long>(records),
              static_cast<unsigned long long>(completed), elapsed,
              sync ? "true" : "false", per_commit, users);
  if (logged)
    std::printf("  through the write log, %llu checkpoints (every %d ms%s%s)\n",
                static_cast<unsigned long long>(checkpoints), checkpoint_ms,
                threaded ? ", on the checkpointer thread" : "",
                replay ? "" : " and one at the end");
  std::printf("  %.0f records/s, %.0f intents/s, %.2f ms per commit\n",
              records / elapsed, completed / elapsed, 1e3 * elapsed / commits);
  std::printf("  per commit: %.1f write calls, %.1f KiB written, %.1f KiB "
              "counted as dirtied, %.2f ms CPU (%.0f us per intent)\n",
              double(io1.syscw - io0.syscw) / commits,
              double(io1.wchar - io0.wchar) / 1024 / commits,
              double(io1.write_bytes - io0.write_bytes) / 1024 / commits,
              1e3 * cpu / commits, completed ? 1e6 * cpu / completed : 0.0);
  std::printf("  per record: %.0f B to the device (%s), %.0f B dirtied; per "
              "intent completed: %.0f B to the device, %.0f B dirtied\n",
              double(dev1 - dev0) / records, dev.c_str(),
              double(io1.write_bytes - io0.write_bytes) / records,
              completed ? double(dev1 - dev0) / completed : 0.0,
              completed ? double(io1.write_bytes - io0.write_bytes) / completed
                        : 0.0);
  if (logged && replay) {
    log_store.reset();
    auto r0 = std::chrono::steady_clock::now();
    double rc0 = cpu_seconds();
    logged_store_options lo;
    lo.store = opts;
    auto again = logged_store::open(lo);
    double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - r0)
            .count();
    if (!again) {
      std::fprintf(stderr, "%s\n", again.error().message.c_str());
      return 1;
    }
    const auto& rep = again->open_report();
    std::printf("  reopen: %llu log records replayed into %llu table entries "
                "in %.2f s (%.2f s of CPU), %.0f records/s\n",
                static_cast<unsigned long long>(rep.log.replayed),
                static_cast<unsigned long long>(rep.table_size), took,
                cpu_seconds() - rc0, rep.log.replayed / took);
  }
  if (own_dir) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return 0;
}
