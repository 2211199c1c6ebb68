#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/model/intent.hpp"

namespace intentd {

/// A page of a listing, newest first.
struct record_page {
  std::vector<intent_record> items;
  std::string next_cursor; // empty on the last page
};

struct list_query {
  std::string user;                    // empty: every user
  std::optional<intent_status> status; // nullopt: every status
  uint32_t limit = 50;
  std::string cursor; // from a previous page
};

} // namespace intentd
