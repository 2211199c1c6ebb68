#include "runtime/embed/chain_bridge.hpp"

#include <spdlog/spdlog.h>

#include "runtime/embed/convert.hpp"

namespace intentd::embed {

namespace {

class chain_bridge final : public chain_adapter {
public:
  chain_bridge(std::shared_ptr<chain::adapter> chain, token_registry tokens)
      : chain_(std::move(chain)), tokens_(std::move(tokens)) {}

  verify_result verify(const intent& in) override {
    return {to_internal(chain_->verify(to_public(in, tokens_)).fault)};
  }

  execute_result execute(const intent& in,
                         const std::string& solver_id) override {
    auto answer = chain_->execute(to_public(in, tokens_), solver_id);
    execute_result out;
    out.fault = to_internal(answer.fault);
    out.tx_hash = std::move(answer.tx_hash);
    out.gas_used = answer.gas_used;
    out.total_cost =
        units_of(answer.total_cost, in.input_token, in.id, "total_cost")
            .value_or(0);
    if (!answer.output_amount.empty())
      out.output_amount = units_of(answer.output_amount, in.output_token, in.id,
                                   "output_amount");
    return out;
  }

  void release(const std::string& intent_id) override {
    chain_->release(intent_id);
  }

  chain_intent_state intent_state(const std::string& intent_id) override {
    switch (chain_->state_of(intent_id)) {
    case chain::intent_state::unknown:
      return chain_intent_state::unknown;
    case chain::intent_state::reserved:
      return chain_intent_state::reserved;
    case chain::intent_state::executed:
      return chain_intent_state::executed;
    case chain::intent_state::reverted:
      return chain_intent_state::reverted;
    case chain::intent_state::released:
      return chain_intent_state::released;
    }
    return chain_intent_state::unknown;
  }

  std::optional<chain_execution>
  execution_of(const std::string& intent_id) override {
    auto found = chain_->execution_of(intent_id);
    if (!found)
      return std::nullopt;
    // The amounts of an execution are in the intent's tokens, which the
    // adapter's answer does not name: they are read as base units of the
    // token the record holds when recovery completes the intent.
    chain_execution out;
    out.tx_hash = std::move(found->tx_hash);
    out.gas_used = found->gas_used;
    out.total_cost = units_from_string(found->total_cost).value_or(0);
    out.credited = units_from_string(found->credited).value_or(0);
    return out;
  }

  bool commit() override { return chain_->commit(); }

  std::optional<chain_tx> tx_status(const std::string& hash) override {
    auto found = chain_->transaction_of(hash);
    if (!found)
      return std::nullopt;
    return chain_tx{std::move(found->hash), std::move(found->intent_id),
                    std::move(found->status), found->block};
  }

private:
  /// A decimal amount of `token` from the adapter, in base units; nullopt
  /// (and a log line naming the intent) when it is not one.
  std::optional<units> units_of(const std::string& text,
                                const std::string& token,
                                const std::string& intent_id,
                                const char* field) const {
    const token_spec* spec = tokens_.find(token);
    units value = 0;
    if (spec != nullptr && parse_amount(text, spec->decimals, ~units{0},
                                        value) == amount_problem::none)
      return value;
    if (text == "0")
      return units{0};
    spdlog::error("the chain adapter answered {} \"{}\" for intent {}, which "
                  "is not an amount of {}; the record leaves it out",
                  field, text, intent_id, token);
    return std::nullopt;
  }

  std::shared_ptr<chain::adapter> chain_;
  token_registry tokens_;
};

} // namespace

std::unique_ptr<chain_adapter>
adapt_chain(std::shared_ptr<chain::adapter> chain, token_registry tokens) {
  return std::make_unique<chain_bridge>(std::move(chain), std::move(tokens));
}

} // namespace intentd::embed
