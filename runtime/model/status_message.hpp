#pragma once

#include <string>

#include "runtime/model/intent.hpp"

namespace intentd {

/// A sentence for a person about where an intent stands, e.g. "Executing
/// your token swap...". For failures the error's message is appended.
std::string status_message(intent_status status, action_kind action,
                           const intent_error* error = nullptr);

} // namespace intentd
