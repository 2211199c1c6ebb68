#include "runtime/daemon/startup_checks.hpp"

#include <exception>
#include <filesystem>
#include <memory>
#include <system_error>

#include <spdlog/spdlog.h>

#include "runtime/engine/component_settings.hpp"
#include "runtime/engine/signature_gate.hpp"
#include "runtime/model/account_keys.hpp"

namespace intentd {

namespace {

namespace fs = std::filesystem;

/// Runs one of start-up's own steps, keeping what it throws.
template<class Step>
void run_step(std::vector<std::string>& out, Step step) {
  try {
    step();
  } catch (const std::exception& e) {
    out.emplace_back(e.what());
  }
}

/// Start-up creates `dir` and its missing parents: the deepest part that
/// exists must be a directory. A part that cannot be looked at (no
/// permission for this user) is left to start-up to judge.
void check_directory(std::vector<std::string>& out, const std::string& key,
                     const fs::path& dir) {
  for (fs::path p = dir; !p.empty(); p = p.parent_path()) {
    std::error_code ec;
    auto st = fs::status(p, ec);
    if (st.type() == fs::file_type::not_found) {
      if (p == p.parent_path())
        return;
      continue;
    }
    if (ec)
      return;
    if (!fs::is_directory(st))
      out.push_back(key + ": " + p.string() +
                    (p == dir ? " exists and is not a directory"
                              : " is not a directory, so " + dir.string() +
                                    " cannot be created"));
    return;
  }
}

} // namespace

std::vector<std::string> startup_config_problems(const cfg::config& c) {
  auto out = settings_problems(c);
  // The seeded keys, registered as the engine registers them.
  run_step(out, [&] {
    signature_gate gate{c.security, std::make_shared<account_keys>()};
  });
  // The simulated chain keeps its journal in <storage.path>/chain.
  size_t before = out.size();
  check_directory(out, "storage.path", c.storage.path);
  if (out.size() == before)
    check_directory(out, "storage.path", fs::path{c.storage.path} / "chain");
  return out;
}

void log_startup_warnings(const cfg::config& config) {
  if (!config.storage.sync)
    spdlog::warn("storage.sync is false: acknowledged intents can be lost "
                 "if the machine crashes. Never run production like this.");
  else if (!config.chain.simulated.journal_sync)
    spdlog::warn("chain.simulated.journal_sync is false: the simulated "
                 "chain's journal is not synced to disk; after a machine "
                 "crash it may have forgotten executions.");
  log_security_warnings(config.security);
}

} // namespace intentd
