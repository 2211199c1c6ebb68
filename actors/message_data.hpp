#pragma once

// The plain data the engine's actors exchange beyond the domain types of
// runtime/model: no callbacks, no pointers. Their inspect overloads and type
// ids are in actors/message_types.hpp.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "persistence/intent_store.hpp"
#include "runtime/model/intent.hpp"
#include "runtime/model/problem.hpp"

namespace intentd {

/// The answer to a submission: the record, and whether this call created it.
struct submit_reply {
  intent_record record;
  bool created = false;
};

/// One solver's counters and whether it is currently used.
struct solver_report {
  solver_stats stats;
  bool healthy = true;
};

/// Figures of a notifier, for tests and metrics.
struct notifier_stats {
  uint64_t subscribers = 0;
  uint64_t subscriptions = 0;
  uint64_t dropped_slow = 0; // subscribers whose sink refused a notice
  uint64_t delivered = 0;    // notices accepted by sinks
};

/// The intent that used an account's nonce, if one did.
struct nonce_owner {
  std::optional<std::string> intent_id;
};

/// Requests refused per rate-limit rule: {rule name, count}.
using rate_limited_counts = std::vector<std::pair<std::string, uint64_t>>;

using record_outcome = outcome<intent_record>;
using records_outcome = outcome<std::vector<intent_record>>;
using submit_outcome = outcome<submit_reply>;
using write_outcome = outcome<done>;
using nonce_owner_outcome = outcome<nonce_owner>;
using live_page_outcome = outcome<live_page>;

} // namespace intentd
