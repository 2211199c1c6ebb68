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
  /// For each item, the cursor that resumes the listing right after it (the
  /// format of next_cursor; on a full page next_cursor is the last of them).
  std::vector<std::string> item_cursors;
};

struct list_query {
  std::string user;                    // empty: every user
  std::optional<intent_status> status; // nullopt: every status
  uint32_t limit = 50;                 // see list_page_size
  std::string cursor;                  // from a previous page
};

/// The page size of a listing asked for `limit` items: 0 is 50, and no
/// page holds more than 1000 (the API's largest `limit`).
constexpr uint32_t list_page_size(uint32_t limit) {
  constexpr uint32_t default_size = 50;
  constexpr uint32_t max_size = 1000;
  return limit == 0 ? default_size : (limit < max_size ? limit : max_size);
}

} // namespace intentd
