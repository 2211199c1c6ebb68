#include <csignal>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <spdlog/spdlog.h>

#include "config/load.hpp"
#include "runtime/cluster/cluster_engine.hpp"
#include "runtime/daemon/chain_executions.hpp"
#include "runtime/daemon/logging.hpp"
#include "runtime/daemon/startup_checks.hpp"
#include "runtime/daemon/verify_storage.hpp"
#include "runtime/engine/component_settings.hpp"
#include "runtime/engine/engine.hpp"
#include "runtime/http/server.hpp"

#ifdef INTENTD_JEMALLOC_CONF
// jemalloc's settings for the daemon, read when it starts; the environment's
// MALLOC_CONF is applied after them (MALLOC_CONF=thp:default turns this off).
// Transparent huge pages for the heap: a start that recovers 100,000 live
// intents touches ~650 MB, 150,000 page faults in 4 KB pages, 10,000 in
// 2 MB ones (docs/benchmarks.md, "Restart with a million stored").
extern "C" {
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables)
const char* malloc_conf = "thp:always";
}
#endif

namespace {

constexpr const char* usage = R"(usage: intentd [--config FILE]
       intentd --check-config FILE
       intentd --verify-storage PATH
       intentd --chain-executions PATH
       intentd --help | --version

Runs the intentd engine: an HTTP API for intents backed by actors and LMDB.

  --config FILE        start with this YAML configuration (defaults otherwise)
  --check-config FILE  validate FILE, print the effective configuration, exit
  --verify-storage PATH
                       check the store in directory PATH (storage.path)
                       offline and read-only: every checksum, record and
                       index entry; exit 0 when clean, 1 when damaged
  --chain-executions PATH
                       print the simulated chain's executions per intent
                       from the store in PATH (its journal and the
                       journal's log), one JSON line each, read-only; exit
                       0, 1 when an intent executed more than once, 2 when
                       the journal cannot be read
  --help               show this help
  --version            show the version
)";

int fail_usage(const std::string& why) {
  std::cerr << "intentd: " << why << "\n\n" << usage;
  return 2;
}

int run(const intentd::cfg::config& config) {
  // Block the stop signals in every thread; this one waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  intentd::setup_logging(config.logging);
  intentd::log_startup_warnings(config);
  // Every component's settings, mapped once for the engine and the gateway.
  std::optional<intentd::component_settings> settings;
  std::unique_ptr<intentd::engine_core> engine;
  try {
    settings = intentd::settings_of(config);
    engine = config.cluster.enabled()
                 ? intentd::start_cluster_node(config, *settings)
                 : intentd::engine_core::start(config, *settings);
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
    return 1;
  }
  std::unique_ptr<intentd::http_server> server;
  try {
    server = std::make_unique<intentd::http_server>(*engine, *settings);
    server->start();
  } catch (const std::exception& e) {
    spdlog::critical("cannot listen on {}: {}", config.server.listen, e.what());
    engine->stop();
    return 1;
  }
  spdlog::info("intentd {} listening on {} port {} (storage {})",
               INTENTD_VERSION, config.server.listen, server->port(),
               config.storage.path);

  // Waits for a stop signal, or for the engine to fail (its recovery could
  // not read a live intent): then it stops with status 1.
  int sig = 0;
  const timespec poll{0, 200'000'000};
  while ((sig = sigtimedwait(&stop_signals, nullptr, &poll)) < 0) {
    if (auto why = engine->failure()) {
      spdlog::critical("stopping: {}", *why);
      server->stop(std::chrono::milliseconds{0});
      engine->stop();
      return 1;
    }
  }
  spdlog::info("received {}, shutting down",
               sig == SIGINT ? "SIGINT" : "SIGTERM");
  server->stop(std::chrono::milliseconds{config.server.shutdown_grace_ms});
  engine->stop();
  spdlog::info("stopped");
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  std::string config_path;
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << usage;
      return 0;
    }
    if (arg == "--version") {
      std::cout << "intentd " << INTENTD_VERSION << "\n";
      return 0;
    }
    if (arg == "--verify-storage") {
      if (i + 1 >= argc)
        return fail_usage(arg + " needs a directory");
      return intentd::run_verify_storage(argv[i + 1]);
    }
    if (arg == "--chain-executions") {
      if (i + 1 >= argc)
        return fail_usage(arg + " needs a directory");
      return intentd::run_chain_executions(argv[i + 1], std::cout, std::cerr);
    }
    if (arg == "--config" || arg == "--check-config") {
      if (i + 1 >= argc)
        return fail_usage(arg + " needs a file");
      check_only = arg == "--check-config";
      config_path = argv[++i];
      continue;
    }
    return fail_usage("unknown argument " + arg);
  }
  intentd::cfg::config config;
  try {
    if (!config_path.empty())
      config = intentd::cfg::load_file(config_path);
  } catch (const intentd::cfg::config_error& e) {
    std::cerr << "intentd: invalid configuration: " << e.what() << "\n";
    return 2;
  }
  // What start-up would refuse, refused here for --check-config too.
  auto problems = intentd::startup_config_problems(config);
  for (const auto& problem : problems)
    std::cerr << "intentd: invalid configuration: "
              << (config_path.empty() ? "" : config_path + ": ") << problem
              << "\n";
  if (!problems.empty())
    return 2;
  if (check_only) {
    std::cout << "# " << config_path << " is valid\n"
              << intentd::cfg::to_yaml(config);
    return 0;
  }
  return run(config);
}
