#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace intentd {

/// The weight of `node` for `key` in rendezvous (highest random weight)
/// hashing: FNV-1a 64 over node, a NUL byte and key, then the splitmix64
/// finalizer. The same on every platform and in every process, so that all
/// nodes agree on owners without talking.
uint64_t rendezvous_weight(std::string_view key, std::string_view node);

/// The index in `nodes` of the node that owns `key`: the highest weight,
/// a tie to the lower name. The order of `nodes` does not change the owner;
/// adding a node moves only the keys the new node wins.
/// Precondition: `nodes` is not empty.
std::size_t rendezvous_owner(std::string_view key,
                             const std::vector<std::string>& nodes);

} // namespace intentd
