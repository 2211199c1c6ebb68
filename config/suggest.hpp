#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace intentd::cfg {

/// Edit distance counting insertions, deletions, substitutions and swaps of
/// adjacent characters, ignoring ASCII case.
size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word` when it is close enough to be a likely
/// typo, or an empty string.
std::string nearest(std::string_view word,
                    const std::vector<std::string>& candidates);

} // namespace intentd::cfg
