#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "runtime/model/intent.hpp"
#include "runtime/model/listing.hpp"
#include "runtime/model/problem.hpp"

namespace intentd {

/// Where a cluster-wide listing resumes on each node.
struct node_position {
  std::string cursor; // "" = from the newest
  bool done = false;  // nothing left on that node
};

/// Each node's position, by node name.
using merged_position = std::map<std::string, node_position>;

/// The cursor of a cluster-wide listing: opaque, URL-safe ([A-Za-z0-9_-]
/// only), every node of `pos` with its cursor and whether it is done.
std::string encode_merged_cursor(const merged_position& pos);

/// The position in `text`, with an entry for every one of `nodes`: "" is
/// every node from the newest, and a node the cursor does not name starts
/// from the newest too (it joined after the first page). A problem with
/// errc::bad_request and the field "cursor" when `text` is not a cursor
/// encode_merged_cursor made, or names a node outside `nodes`.
outcome<merged_position>
decode_merged_cursor(const std::string& text,
                     const std::vector<std::string>& nodes);

/// One node's answer to the listing with its position's cursor and the
/// query's limit; `page.item_cursors` holds a cursor for every item.
struct node_page {
  std::string node;
  record_page page;
};

/// A page of a cluster-wide listing.
struct merged_page {
  /// The items with their node, newest first.
  std::vector<std::pair<std::string, intent_record>> items;
  /// "" when nothing remains on any node.
  std::string next_cursor;
};

/// The newest `limit` items (list_page_size(limit)) of `pages`, in the
/// order of a single node's listing: created_at descending, then id
/// descending. A node that is done in `from` has no page. The next position
/// of a node none of whose items were taken stays where it was; after some,
/// it is the item cursor of the last one taken; a node is done once every
/// item of its page was taken and its page was the last one. Merging stops
/// early rather than pass over the unseen rest of a node whose page ran
/// out, so every item comes exactly once across pages.
merged_page merge_pages(const merged_position& from,
                        std::vector<node_page> pages, uint32_t limit);

/// True when `a` comes before `b` in a listing: newer created_at, or the
/// same created_at and a greater id (the order of the stores' index keys).
bool listed_before(const intent_record& a, const intent_record& b);

} // namespace intentd
