// Starts an intentd engine inside this program on a temporary storage
// directory, submits a swap, follows it through a subscription until it is
// completed, prints each transition, stops and exits 0.
//
//   embed_swap [STORAGE_DIR]
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <string>

#include <unistd.h>

#include <intentd/engine.hpp>

namespace {

/// What the subscription has seen, handed from the engine's thread to main.
struct progress {
  std::mutex mu;
  std::condition_variable changed;
  std::string status;
  std::string error;
};

int fail(const std::string& what, const intentd::error& e) {
  std::cerr << "embed_swap: " << what << ": " << e.code << ": " << e.message
            << "\n";
  for (const auto& f : e.fields)
    std::cerr << "  " << f.field << ": " << f.problem << "\n";
  return 1;
}

} // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  bool own_dir = argc < 2;
  fs::path dir = own_dir ? fs::temp_directory_path() /
                               ("intentd-embed-" + std::to_string(::getpid()))
                         : fs::path{argv[1]};
  intentd::set_log_sink(
      [](intentd::log_level level, const std::string& line) {
        std::cerr << "[intentd " << intentd::to_string(level) << "] " << line
                  << "\n";
      },
      intentd::log_level::warn);

  intentd::config cfg;
  for (const auto& set : {cfg.set("storage.path", dir.string()),
                          cfg.set("chain.simulated.latency_ms", 5),
                          cfg.set("security.read_access", "open")})
    if (!set)
      return fail("config", set.err());

  auto started = std::chrono::steady_clock::now();
  auto engine = intentd::engine::start(cfg);
  if (!engine)
    return fail("start", engine.err());
  std::cout << "intentd " << intentd::library_version() << " started on "
            << dir.string() << "\n";

  intentd::intent_request swap;
  swap.id = "embed-swap-1";
  swap.user_account = "alice.near";
  swap.action = "swap";
  swap.input_token = "usdc.near";
  swap.input_amount = "100";
  swap.output_token = "wrap.near";
  swap.min_output_amount = "19";

  auto submitted = (*engine)->submit_wait(swap);
  if (!submitted)
    return fail("submit", submitted.err());
  std::cout << "submitted " << submitted->record.id << " ("
            << submitted->record.status << ")\n";

  // The current state first, then every transition: nothing is missed
  // between the submission and the subscription.
  progress seen;
  auto sub = (*engine)->subscribe_intent(
      swap.id, [&seen](const intentd::notification& n) {
        if (n.kind == "update") {
          std::cout << "  seq " << n.seq << ": " << n.status << " ("
                    << n.message << ")\n";
          std::lock_guard<std::mutex> lock(seen.mu);
          seen.status = n.status;
        } else if (n.kind == "error") {
          std::lock_guard<std::mutex> lock(seen.mu);
          seen.error = n.code + ": " + n.message;
        } else {
          return;
        }
        seen.changed.notify_all();
      });
  if (!sub)
    return fail("subscribe", sub.err());

  std::string final_status;
  {
    std::unique_lock<std::mutex> lock(seen.mu);
    bool done = seen.changed.wait_for(lock, std::chrono::seconds{30}, [&] {
      return !seen.error.empty() || seen.status == "completed" ||
             seen.status == "failed" || seen.status == "expired" ||
             seen.status == "cancelled";
    });
    if (!done) {
      std::cerr << "embed_swap: no final state within 30 s\n";
      return 1;
    }
    if (!seen.error.empty()) {
      std::cerr << "embed_swap: subscription error " << seen.error << "\n";
      return 1;
    }
    final_status = seen.status;
  }
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);

  auto rec = (*engine)->get_wait(swap.id);
  if (!rec)
    return fail("get", rec.err());
  std::cout << rec->id << " is " << rec->status << ": " << rec->input_amount
            << " " << rec->input_token << " -> " << rec->output_amount << " "
            << rec->output_token << " by " << rec->solver_id << " in "
            << elapsed.count() << " ms from start\n";

  (*sub).reset();
  (*engine)->stop();
  if (own_dir)
    fs::remove_all(dir);
  return final_status == "completed" ? 0 : 1;
}
