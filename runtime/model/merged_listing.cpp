#include "runtime/model/merged_listing.hpp"

#include "runtime/model/read_token.hpp"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string_view>

namespace intentd {

namespace {

// The payload before base64url: "m1", then per node
// <name length>:<name><'d' or 'c'><cursor length>:<cursor>.
constexpr std::string_view version = "m1";

void put_field(std::string& out, const std::string& text) {
  out += std::to_string(text.size());
  out += ':';
  out += text;
}

/// Reads <length>:<text> at `at`; nullopt when malformed.
std::optional<std::string> get_field(std::string_view in, std::size_t& at) {
  std::size_t size = 0;
  std::size_t digits = 0;
  while (at < in.size() && in[at] >= '0' && in[at] <= '9' && digits < 6) {
    size = size * 10 + static_cast<std::size_t>(in[at] - '0');
    ++at;
    ++digits;
  }
  if (digits == 0 || at >= in.size() || in[at] != ':')
    return std::nullopt;
  ++at;
  if (in.size() - at < size)
    return std::nullopt;
  std::string text{in.substr(at, size)};
  at += size;
  return text;
}

problem bad_cursor(std::string detail) {
  return problem{errc::bad_request,
                 "cursor does not belong to this listing",
                 {{"cursor", std::move(detail)}}};
}

} // namespace

bool listed_before(const intent_record& a, const intent_record& b) {
  if (a.created_at != b.created_at)
    return a.created_at > b.created_at;
  return a.request.id > b.request.id;
}

std::string encode_merged_cursor(const merged_position& pos) {
  std::string payload{version};
  for (const auto& [name, at] : pos) {
    put_field(payload, name);
    payload += at.done ? 'd' : 'c';
    put_field(payload, at.cursor);
  }
  return base64url_encode(payload);
}

outcome<merged_position>
decode_merged_cursor(const std::string& text,
                     const std::vector<std::string>& nodes) {
  merged_position pos;
  for (const auto& name : nodes)
    pos.emplace(name, node_position{});
  if (text.empty())
    return pos;
  const auto payload = base64url_decode(text);
  if (!payload || payload->compare(0, version.size(), version) != 0)
    return bad_cursor("must be a next_cursor of the same query");
  std::map<std::string, node_position> named;
  std::size_t at = version.size();
  while (at < payload->size()) {
    auto name = get_field(*payload, at);
    if (!name || at >= payload->size() ||
        ((*payload)[at] != 'd' && (*payload)[at] != 'c'))
      return bad_cursor("must be a next_cursor of the same query");
    const bool done = (*payload)[at++] == 'd';
    auto cursor = get_field(*payload, at);
    if (!cursor)
      return bad_cursor("must be a next_cursor of the same query");
    if (pos.count(*name) == 0)
      return bad_cursor("names node \"" + *name +
                        "\", which is not in this cluster");
    if (!named.emplace(*name, node_position{std::move(*cursor), done}).second)
      return bad_cursor("names node \"" + *name + "\" twice");
  }
  for (auto& [name, at_node] : named)
    pos[name] = std::move(at_node);
  return pos;
}

merged_page merge_pages(const merged_position& from,
                        std::vector<node_page> pages, uint32_t limit) {
  const uint32_t size = list_page_size(limit);
  // Items of a page without their cursor cannot be resumed after: only
  // the leading ones that have one are merged.
  std::vector<std::size_t> usable(pages.size());
  std::vector<std::size_t> taken(pages.size(), 0);
  for (std::size_t p = 0; p < pages.size(); ++p)
    usable[p] =
        std::min(pages[p].page.items.size(), pages[p].page.item_cursors.size());
  merged_page out;
  while (out.items.size() < size) {
    std::optional<std::size_t> newest;
    bool blocked = false;
    for (std::size_t p = 0; p < pages.size(); ++p) {
      const auto& page = pages[p].page;
      if (taken[p] == usable[p]) {
        // Ran out with more on that node: its next items may be newer than
        // anything left here.
        if (usable[p] < page.items.size() || !page.next_cursor.empty())
          blocked = true;
        continue;
      }
      const auto& candidate = page.items[taken[p]];
      if (!newest)
        newest = p;
      else {
        const auto& best = pages[*newest].page.items[taken[*newest]];
        if (listed_before(candidate, best) ||
            (!listed_before(best, candidate) &&
             pages[p].node < pages[*newest].node))
          newest = p;
      }
    }
    if (blocked || !newest)
      break;
    auto& item = pages[*newest].page.items[taken[*newest]++];
    out.items.emplace_back(pages[*newest].node, std::move(item));
  }
  merged_position next = from;
  for (std::size_t p = 0; p < pages.size(); ++p) {
    const auto& page = pages[p].page;
    auto& at = next[pages[p].node];
    if (taken[p] > 0)
      at.cursor = page.item_cursors[taken[p] - 1];
    if (taken[p] == page.items.size() && page.next_cursor.empty())
      at.done = true;
  }
  bool all_done = true;
  for (const auto& entry : next)
    all_done = all_done && entry.second.done;
  if (!all_done)
    out.next_cursor = encode_merged_cursor(next);
  return out;
}

} // namespace intentd
