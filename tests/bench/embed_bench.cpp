// Submission throughput of an embedded engine, without HTTP: durable
// submissions of unique swaps through intentd::engine::submit, WINDOW in
// flight at once, for DURATION seconds, on a zero-latency simulated chain;
// then every accepted intent must reach completed. Prints submissions per
// second, submit latency percentiles and the time until the last one
// completed. Built on demand (target embed_bench); run by
// tests/bench/embed_bench.sh.
//
//   embed_bench STORAGE_DIR [DURATION_S=20] [WINDOW=32]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <intentd/engine.hpp>

using clock_type = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: embed_bench STORAGE_DIR [DURATION_S] [WINDOW]\n";
    return 2;
  }
  std::string dir = argv[1];
  int duration_s = argc > 2 ? std::stoi(argv[2]) : 20;
  int window = argc > 3 ? std::stoi(argv[3]) : 32;

  intentd::set_log_sink(
      [](intentd::log_level, const std::string& line) {
        std::cerr << line << "\n";
      },
      intentd::log_level::warn);
  intentd::config cfg;
  for (auto [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"storage.path", dir},
           {"chain.simulated.latency_ms", "0"},
           {"intents.max_live", "1000000"}})
    if (auto set = cfg.set(key, value); !set) {
      std::cerr << set.err().message << "\n";
      return 1;
    }
  auto engine = intentd::engine::start(cfg);
  if (!engine) {
    std::cerr << engine.err().message << "\n";
    return 1;
  }
  auto& eng = **engine;

  std::mutex mu;
  std::condition_variable freed;
  int in_flight = 0;
  std::vector<double> latencies_ms;
  std::vector<std::string> accepted;
  uint64_t refused = 0;
  std::string first_refusal;

  auto start = clock_type::now();
  auto end = start + std::chrono::seconds{duration_s};
  uint64_t n = 0;
  while (clock_type::now() < end) {
    {
      std::unique_lock<std::mutex> lock(mu);
      freed.wait(lock, [&] { return in_flight < window; });
      ++in_flight;
    }
    intentd::intent_request r;
    r.id = "eb-" + std::to_string(++n);
    r.user_account = "user" + std::to_string(n % 64) + ".near";
    r.input_token = "usdc.near";
    r.input_amount = "1";
    r.output_token = "wrap.near";
    r.min_output_amount = "0.1";
    auto sent_at = clock_type::now();
    eng.submit(r, [&, sent_at,
                   id = r.id](intentd::result<intentd::submitted> s) {
      double ms =
          std::chrono::duration<double, std::milli>(clock_type::now() - sent_at)
              .count();
      std::lock_guard<std::mutex> lock(mu);
      --in_flight;
      latencies_ms.push_back(ms);
      if (s)
        accepted.push_back(id);
      else if (refused++ == 0)
        first_refusal = s.err().code + ": " + s.err().message;
      freed.notify_one();
    });
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    freed.wait(lock, [&] { return in_flight == 0; });
  }
  double submit_s =
      std::chrono::duration<double>(clock_type::now() - start).count();

  // Every accepted intent to a final state.
  size_t completed = 0, other = 0;
  for (const auto& id : accepted) {
    for (;;) {
      auto rec = eng.get_wait(id);
      if (rec && rec->is_final()) {
        (rec->status == "completed" ? completed : other)++;
        break;
      }
      std::this_thread::yield();
    }
  }
  double all_s =
      std::chrono::duration<double>(clock_type::now() - start).count();
  eng.stop();

  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double p) {
    if (latencies_ms.empty())
      return 0.0;
    return latencies_ms[std::min(latencies_ms.size() - 1,
                                 static_cast<size_t>(p * latencies_ms.size()))];
  };
  std::printf("embedded submit: %zu accepted, %llu refused in %.1f s = %.0f "
              "durable submissions/s (window %d)\n",
              accepted.size(), static_cast<unsigned long long>(refused),
              submit_s, accepted.size() / submit_s, window);
  std::printf("submit latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n",
              pct(0.50), pct(0.90), pct(0.99),
              latencies_ms.empty() ? 0.0 : latencies_ms.back());
  std::printf("final: %zu completed, %zu other; last one final after %.1f s "
              "(%.0f completed/s overall)\n",
              completed, other, all_s, completed / all_s);
  if (refused)
    std::printf("first refusal: %s\n", first_refusal.c_str());
  return other == 0 && refused == 0 ? 0 : 1;
}
