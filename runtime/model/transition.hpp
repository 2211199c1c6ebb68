#pragma once

#include <cstdint>
#include <optional>

#include "runtime/model/intent.hpp"

namespace intentd {

/// What can happen to an intent.
enum class intent_event : uint8_t {
  verify_ok,      // pending -> verified
  verify_failed,  // pending -> failed
  dispatch,       // verified -> executing
  execute_ok,     // executing -> completed
  execute_failed, // executing -> failed (not retryable or retries spent)
  deadline,       // pending | verified -> expired
  cancel,         // pending | verified -> cancelled
  retry,          // failed -> pending (dead-letter retry)
  abandon,        // pending | verified | executing -> failed (the
                  // supervisor gives up after repeated crashes)
};

constexpr int intent_event_count = 9;

const char* to_string(intent_event ev);

/// The transition table: the next status, or nullopt when `ev` is illegal in
/// `from`. Pure; every (status, event) pair is defined.
std::optional<intent_status> next_status(intent_status from, intent_event ev);

} // namespace intentd
