#pragma once

// The public types of include/intentd/ from and to the engine's own.

#include <chrono>

#include "intentd/chain.hpp"
#include "intentd/engine.hpp"
#include "intentd/error.hpp"
#include "runtime/engine/engine.hpp"
#include "runtime/model/chain_adapter.hpp"
#include "runtime/model/intent.hpp"
#include "runtime/model/notice.hpp"
#include "runtime/model/problem.hpp"
#include "runtime/model/tokens.hpp"

namespace intentd::embed {

std::chrono::system_clock::time_point to_time_point(time_us t);
time_us to_time_us(std::chrono::system_clock::time_point t);

/// The public error of a problem: its API code, message, fields and status.
error to_error(const problem& p);

/// An "engine_stopped" error for a call after stop().
error stopped_error();

/// The record as the API shows it, amounts in their token's decimals.
record to_public(const intent_record& rec, const token_registry& tokens);
/// `to_public`, with `json` already rendered.
record to_public(const intent_record& rec, std::string json,
                 const token_registry& tokens);

solver_info to_public(const solver_view& s);

notification to_public(const notice& n);

/// The body of POST /api/v1/intents for `in`, so that it is validated as
/// the HTTP API validates it.
std::string submission_body(const intent_request& in);

/// An intent as a public chain adapter sees it.
chain::intent to_public(const intent& in, const token_registry& tokens);
chain_fault to_internal(chain::fault f);
chain::fault to_public(chain_fault f);

} // namespace intentd::embed
