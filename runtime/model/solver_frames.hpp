#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include "runtime/model/quote_request.hpp"
#include "runtime/model/solver_quote.hpp"

namespace intentd {

/// A solver's answer to the challenge.
struct auth_frame {
  std::string solver_id;
  std::string signature; // hex ed25519 over solver_auth_message(nonce)
};

/// Why a solver frame was refused: `code` and `message` go into the server's
/// error frame as they are. Codes: too_large, bad_json (not JSON, duplicate
/// key, not an object), unknown_type, missing_field, unknown_field,
/// wrong_type (not a string), bad_field (an empty or overlong id),
/// bad_amount (not an exact decimal), bad_time (not RFC 3339), bad_hex (a
/// signature that is not 128 hex digits).
struct frame_error {
  std::string code;
  std::string message;
};

/// One parsed solver frame: auth, quote, or why it was refused.
using solver_frame = std::variant<auth_frame, solver_quote, frame_error>;

/// Longest solver frame accepted, in bytes.
constexpr size_t max_solver_frame = 4096;

/// Longest solver_id, request_id or intent_id in a solver frame.
constexpr size_t max_frame_id = 128;

/// Parses a text frame from a solver: a flat JSON object whose `type` is
/// "auth" (solver_id, signature) or "quote" (request_id, intent_id,
/// output_amount, fee, valid_until, signature), every field a string, none
/// missing and none other. output_amount is a positive exact decimal, fee a
/// non-negative one; whether they suit the token is for check_quote.
solver_frame parse_solver_frame(std::string_view text);

/// The server's frames, as JSON text.
std::string render_challenge(std::string_view nonce_hex);
std::string render_ready(std::string_view solver_id);
/// Fields of another action (output_token and min_output_amount of a
/// transfer or stake, recipient of a swap) are null.
std::string render_quote_request(const quote_request& r);
std::string render_assigned(std::string_view intent_id,
                            std::string_view request_id);
std::string render_settled(std::string_view intent_id, std::string_view tx_hash,
                           std::string_view output_amount);
std::string render_settlement_failed(std::string_view intent_id,
                                     std::string_view reason);
std::string render_error(std::string_view code, std::string_view message);
std::string render_error(const frame_error& e);

} // namespace intentd
