#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"

namespace intentd {

/// Every check start-up makes on a loaded config beyond the loader's own:
/// the tokens, validation limits and chain settings derived from it, the
/// listen address (an IP address and a port), the storage paths (what
/// exists there must be a directory) and the seeded keys (a valid account
/// id each, no key claimed by two accounts). One message per problem, each
/// naming its key; empty when start-up accepts the config. intentd runs it
/// for --check-config and before it starts, so that both refuse the same
/// configs with the same messages.
std::vector<std::string> startup_config_problems(const cfg::config& c);

/// Logs what an operator must know of a config that starts: storage that
/// is not synced, and the security settings' warnings. The daemon and an
/// embedded engine log the same lines.
void log_startup_warnings(const cfg::config& c);

} // namespace intentd
