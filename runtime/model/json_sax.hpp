#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/model/problem.hpp"

namespace intentd {

/// A JSON document read through nlohmann's SAX interface, which, unlike its
/// DOM parser, lets duplicate keys and excessive nesting be seen.
struct json_document {
  /// The value, keeping the first occurrence of a duplicated key.
  nlohmann::json value;
  /// The source text of floating-point numbers directly inside the top-level
  /// object, by key, so that they can be read without floating point.
  std::map<std::string, std::string> raw_numbers;
  /// One entry per repeated key ("key" at the top level, "outer.key" below).
  std::vector<field_problem> duplicates;
  /// Set when the text is not JSON or nests too deeply; `value` is then
  /// incomplete.
  std::optional<std::string> syntax_error;
};

/// Reads `text`, allowing at most `max_depth` nested objects and arrays.
json_document read_json(std::string_view text, size_t max_depth);

} // namespace intentd
