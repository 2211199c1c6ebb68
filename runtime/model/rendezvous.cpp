#include "runtime/model/rendezvous.hpp"

namespace intentd {

namespace {

constexpr uint64_t fnv_offset = 14695981039346656037ull;
constexpr uint64_t fnv_prime = 1099511628211ull;

uint64_t fnv1a(uint64_t hash, std::string_view text) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= fnv_prime;
  }
  return hash;
}

/// splitmix64's finalizer: spreads FNV's weak low-order mixing over all
/// 64 bits.
uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

} // namespace

uint64_t rendezvous_weight(std::string_view key, std::string_view node) {
  uint64_t hash = fnv1a(fnv_offset, node);
  hash = fnv1a(hash, std::string_view{"\0", 1});
  return mix(fnv1a(hash, key));
}

std::size_t rendezvous_owner(std::string_view key,
                             const std::vector<std::string>& nodes) {
  std::size_t best = 0;
  uint64_t best_weight = rendezvous_weight(key, nodes[0]);
  for (std::size_t i = 1; i < nodes.size(); ++i) {
    const uint64_t w = rendezvous_weight(key, nodes[i]);
    if (w > best_weight || (w == best_weight && nodes[i] < nodes[best])) {
      best = i;
      best_weight = w;
    }
  }
  return best;
}

} // namespace intentd
