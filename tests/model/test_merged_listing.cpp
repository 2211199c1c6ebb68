#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "runtime/model/merged_listing.hpp"

using namespace intentd;

namespace {

const std::vector<std::string> three{"n1", "n2", "n3"};

intent_record record(std::string id, time_us created_at) {
  intent_record rec;
  rec.request.id = std::move(id);
  rec.request.user_account = "alice.near";
  rec.created_at = created_at;
  rec.updated_at = created_at;
  return rec;
}

/// One node's listing, as a store gives it: its records newest first, a
/// cursor is the index to resume at, each item's cursor the index after it,
/// and next_cursor is set only on a full page with more behind it.
struct fake_node {
  std::vector<intent_record> records; // newest first

  record_page list(const std::string& cursor, uint32_t limit) const {
    const std::size_t start = cursor.empty() ? 0 : std::stoul(cursor);
    const std::size_t size = list_page_size(limit);
    record_page page;
    for (std::size_t i = start; i < records.size(); ++i) {
      if (page.items.size() == size) {
        page.next_cursor = page.item_cursors.back();
        break;
      }
      page.items.push_back(records[i]);
      page.item_cursors.push_back(std::to_string(i + 1));
    }
    return page;
  }
};

/// Random records spread over the nodes, with many equal timestamps; ids
/// unique across the cluster.
std::map<std::string, fake_node>
random_cluster(std::mt19937& rng, std::size_t count, time_us span) {
  std::map<std::string, fake_node> nodes;
  for (const auto& name : three)
    nodes[name];
  std::uniform_int_distribution<time_us> when(-span / 2, span);
  std::uniform_int_distribution<std::size_t> where(0, three.size() - 1);
  for (std::size_t i = 0; i < count; ++i)
    nodes[three[where(rng)]].records.push_back(record(
        "int_" + std::to_string(rng() % 100'000'000) + "_" + std::to_string(i),
        when(rng)));
  for (auto& [name, node] : nodes)
    std::sort(node.records.begin(), node.records.end(), listed_before);
  return nodes;
}

/// Pages through the cluster with `limit`, as a gateway node would.
std::vector<std::pair<std::string, intent_record>>
drain(const std::map<std::string, fake_node>& nodes, uint32_t limit,
      std::size_t& page_count) {
  std::vector<std::pair<std::string, intent_record>> out;
  std::string cursor;
  for (page_count = 0; page_count < 100'000; ++page_count) {
    auto pos = decode_merged_cursor(cursor, three);
    REQUIRE(pos);
    std::vector<node_page> pages;
    for (const auto& [name, at] : *pos)
      if (!at.done)
        pages.push_back({name, nodes.at(name).list(at.cursor, limit)});
    auto page = merge_pages(*pos, std::move(pages), limit);
    CHECK(page.items.size() <= list_page_size(limit));
    // Only the last page may be short.
    if (!page.next_cursor.empty())
      CHECK(page.items.size() == list_page_size(limit));
    for (auto& item : page.items)
      out.push_back(std::move(item));
    if (page.next_cursor.empty()) {
      ++page_count;
      break;
    }
    CHECK(page.next_cursor.find_first_not_of(
              "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
              "0123456789-_") == std::string::npos);
    cursor = page.next_cursor;
  }
  return out;
}

/// Unpadded base64url, to forge payloads.
std::string base64url(const std::string& bytes) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8 | c) & 0xffff;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += alphabet[(acc >> bits) & 0x3f];
    }
  }
  if (bits > 0)
    out += alphabet[(acc << (6 - bits)) & 0x3f];
  return out;
}

} // namespace

TEST_CASE("paging a cluster-wide listing yields every item exactly once, "
          "newest first") {
  std::mt19937 rng{20261207};
  for (int round = 0; round < 20; ++round) {
    const std::size_t count = 1 + rng() % 400;
    const time_us span = round % 2 == 0 ? 30 : 1'000'000;
    const auto nodes = random_cluster(rng, count, span);
    std::vector<std::pair<std::string, intent_record>> expected;
    for (const auto& [name, node] : nodes)
      for (const auto& rec : node.records)
        expected.emplace_back(name, rec);
    std::sort(expected.begin(), expected.end(),
              [](const auto& a, const auto& b) {
                return listed_before(a.second, b.second);
              });
    for (uint32_t limit : {1u, 2u, 3u, 7u, 50u, 0u, 1000u}) {
      CAPTURE(round);
      CAPTURE(count);
      CAPTURE(limit);
      std::size_t pages = 0;
      const auto got = drain(nodes, limit, pages);
      REQUIRE(got.size() == expected.size());
      std::set<std::string> seen;
      for (std::size_t i = 0; i < got.size(); ++i) {
        CHECK(seen.insert(got[i].second.request.id).second);
        CHECK(got[i].first == expected[i].first);
        CHECK(got[i].second.request.id == expected[i].second.request.id);
      }
      const std::size_t size = list_page_size(limit);
      CHECK(pages == std::max<std::size_t>(1, (count + size - 1) / size));
    }
  }
}

TEST_CASE("an empty cluster lists one empty page") {
  const std::map<std::string, fake_node> nodes{
      {"n1", {}}, {"n2", {}}, {"n3", {}}};
  std::size_t pages = 0;
  CHECK(drain(nodes, 10, pages).empty());
  CHECK(pages == 1);
}

TEST_CASE("merge_pages: positions after a page") {
  fake_node n1{{record("a9", 90), record("a5", 50), record("a1", 10)}};
  fake_node n2{{record("b8", 80), record("b7", 70), record("b6", 60)}};
  merged_position from;
  from["n1"] = {};
  from["n2"] = {};
  from["n3"] = {"", true};
  auto page =
      merge_pages(from, {{"n1", n1.list("", 2)}, {"n2", n2.list("", 2)}}, 2);
  REQUIRE(page.items.size() == 2);
  CHECK(page.items[0].first == "n1");
  CHECK(page.items[0].second.request.id == "a9");
  CHECK(page.items[1].first == "n2");
  CHECK(page.items[1].second.request.id == "b8");
  auto next = decode_merged_cursor(page.next_cursor, three);
  REQUIRE(next);
  CHECK((*next)["n1"].cursor == "1");
  CHECK_FALSE((*next)["n1"].done);
  CHECK((*next)["n2"].cursor == "1");
  CHECK((*next)["n3"].done);

  // A node none of whose items were taken keeps its cursor.
  from["n1"] = {"1", false};
  from["n2"] = {"0", false};
  page =
      merge_pages(from, {{"n1", n1.list("1", 1)}, {"n2", n2.list("0", 1)}}, 1);
  REQUIRE(page.items.size() == 1);
  CHECK(page.items[0].second.request.id == "b8");
  next = decode_merged_cursor(page.next_cursor, three);
  REQUIRE(next);
  CHECK((*next)["n1"].cursor == "1");
  CHECK((*next)["n2"].cursor == "1");

  // Every item of a last page taken: that node is done; all done: "".
  from["n1"] = {"2", false};
  from["n2"] = {"", true};
  page = merge_pages(from, {{"n1", n1.list("2", 5)}}, 5);
  REQUIRE(page.items.size() == 1);
  CHECK(page.items[0].second.request.id == "a1");
  CHECK(page.next_cursor.empty());
}

TEST_CASE("merged cursors round-trip and are URL-safe") {
  merged_position pos;
  pos["n1"] = {"0a1b2c", false};
  pos["n2"] = {"", true};
  pos["n3"] = {std::string("\0:9x\xff", 5), false};
  const auto text = encode_merged_cursor(pos);
  CHECK(text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
                               "qrstuvwxyz0123456789-_") == std::string::npos);
  auto back = decode_merged_cursor(text, three);
  REQUIRE(back);
  CHECK(back->size() == 3);
  CHECK((*back)["n1"].cursor == "0a1b2c");
  CHECK_FALSE((*back)["n1"].done);
  CHECK((*back)["n2"].done);
  CHECK((*back)["n3"].cursor == pos["n3"].cursor);
  // "" is every node from the newest.
  auto fresh = decode_merged_cursor("", three);
  REQUIRE(fresh);
  CHECK(fresh->size() == 3);
  for (const auto& [name, at] : *fresh) {
    CHECK(at.cursor.empty());
    CHECK_FALSE(at.done);
  }
  // A node the cursor does not name (added since) starts from the newest.
  auto grown = decode_merged_cursor(text, {"n1", "n2", "n3", "n4"});
  REQUIRE(grown);
  CHECK(grown->size() == 4);
  CHECK((*grown)["n4"].cursor.empty());
  CHECK_FALSE((*grown)["n4"].done);
}

TEST_CASE("bad merged cursors are refused as bad requests on `cursor`") {
  merged_position pos;
  pos["n1"] = {"00ff", false};
  pos["n2"] = {"", true};
  const auto good = encode_merged_cursor(pos);
  merged_position foreign;
  foreign["n9"] = {"", false};
  std::vector<std::string> bad{
      "not a cursor",
      "abc=",
      "A",
      good + "A",
      good.substr(0, good.size() - 3),
      "bTI",  // "m2": another version
      "0a1b", // the hex cursor of a single node
      encode_merged_cursor(foreign),
  };
  // A node named twice, and a done flag that is neither 'd' nor 'c'.
  bad.push_back(base64url("m12:n1c2:002:n1c2:00"));
  bad.push_back(base64url("m12:n1x2:00"));
  bad.push_back(base64url("m12:n1c9:00"));
  CHECK(decode_merged_cursor(base64url("m12:n1c2:00"), three));
  for (const auto& text : bad) {
    CAPTURE(text);
    const auto r = decode_merged_cursor(text, three);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::bad_request);
    REQUIRE(r.error().details.size() == 1);
    CHECK(r.error().details[0].field == "cursor");
  }
  CHECK(decode_merged_cursor(good, three));
}

TEST_CASE("merge_pages stops where a node's page ran out with more behind") {
  // n1 answered a shorter page than asked: what follows it is unseen and
  // may be newer than n2's rest.
  fake_node n1{{record("a100", 100), record("a90", 90), record("a88", 88)}};
  fake_node n2{{record("b95", 95), record("b85", 85), record("b80", 80)}};
  merged_position from;
  from["n1"] = {};
  from["n2"] = {};
  from["n3"] = {"", true};
  auto page =
      merge_pages(from, {{"n1", n1.list("", 2)}, {"n2", n2.list("", 5)}}, 5);
  REQUIRE(page.items.size() == 3);
  CHECK(page.items[0].second.request.id == "a100");
  CHECK(page.items[1].second.request.id == "b95");
  CHECK(page.items[2].second.request.id == "a90");
  auto next = decode_merged_cursor(page.next_cursor, three);
  REQUIRE(next);
  CHECK((*next)["n1"].cursor == "2");
  CHECK_FALSE((*next)["n1"].done);
  CHECK((*next)["n2"].cursor == "1");
  CHECK_FALSE((*next)["n2"].done);
}
