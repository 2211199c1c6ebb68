#include "runtime/model/quote_request.hpp"

namespace intentd {

std::optional<quote_request> make_quote_request(const intent& in,
                                                const token_registry& tokens,
                                                std::string request_id,
                                                uint32_t respond_within_ms,
                                                time_us sent_at) {
  const token_spec* input = tokens.find(in.input_token);
  if (input == nullptr)
    return std::nullopt;
  quote_request r;
  r.request_id = std::move(request_id);
  r.intent_id = in.id;
  r.action = in.action;
  r.input_token = in.input_token;
  r.input_decimals = input->decimals;
  r.input_amount = in.input_amount;
  if (in.action == action_kind::swap) {
    const token_spec* output = tokens.find(in.output_token);
    if (output == nullptr)
      return std::nullopt;
    r.output_token = in.output_token;
    r.output_decimals = output->decimals;
    r.min_output_amount = in.min_output_amount;
  } else {
    r.recipient = in.recipient;
  }
  r.respond_within_ms = respond_within_ms;
  r.sent_at = sent_at;
  return r;
}

} // namespace intentd
