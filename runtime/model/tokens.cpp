#include "runtime/model/tokens.hpp"

#include <utility>

namespace intentd {

token_registry::token_registry(std::vector<token_spec> tokens)
    : tokens_(std::move(tokens)) {}

const token_spec* token_registry::find(std::string_view id) const {
  for (const auto& token : tokens_)
    if (token.id == id)
      return &token;
  return nullptr;
}

} // namespace intentd
