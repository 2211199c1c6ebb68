// A request by id whose owner answers not_found, asked of the other nodes
// (ask_owner_first): stand-in nodes that answer when the test says.

#include <doctest/doctest.h>

#include <deque>
#include <map>
#include <optional>

#include "runtime/cluster/owner_fallback.hpp"

using namespace intentd;

namespace {

problem not_found() {
  return problem{errc::not_found, "No intent.", {}};
}
problem down(const std::string& node) {
  return problem{errc::node_unavailable, "Node " + node + " is down.", {}};
}

/// Four nodes; each answers what `answers` holds for it, when `release`
/// hands the queued answers over (in the order asked).
struct stand_ins {
  std::map<std::size_t, outcome<std::string>> answers;
  std::deque<std::pair<std::size_t, reply<std::string>>> queued;
  std::vector<std::size_t> asked;
  std::optional<outcome<std::string>> result;
  int results = 0;

  void run(std::size_t owner) {
    ask_owner_first<std::string>(
        owner, 4,
        [this](std::size_t node, reply<std::string> done) {
          asked.push_back(node);
          queued.emplace_back(node, std::move(done));
        },
        [this](outcome<std::string> r) {
          ++results;
          result = std::move(r);
        });
  }

  /// Hands over the answer of `node`, which must have been asked.
  void release(std::size_t node) {
    for (auto i = queued.begin(); i != queued.end(); ++i)
      if (i->first == node) {
        auto done = std::move(i->second);
        queued.erase(i);
        auto it = answers.find(node);
        done(it != answers.end() ? it->second
                                 : outcome<std::string>{not_found()});
        return;
      }
    FAIL("node " << node << " was not asked");
  }

  void release_all() {
    while (!queued.empty())
      release(queued.front().first);
  }
};

} // namespace

TEST_CASE("the owner's answer stands when it knows the id or fails") {
  stand_ins s;
  s.answers.emplace(2, std::string{"record on n3"});
  s.run(2);
  s.release(2);
  CHECK(s.asked == std::vector<std::size_t>{2});
  REQUIRE(s.result);
  CHECK(**s.result == "record on n3");

  stand_ins t;
  t.answers.emplace(1, outcome<std::string>{down("n2")});
  t.answers.emplace(3, std::string{"record on n4"});
  t.run(1);
  t.release(1);
  CHECK(t.asked == std::vector<std::size_t>{1}); // not found is not down
  REQUIRE(t.result);
  CHECK(t.result->error().code == errc::node_unavailable);
}

TEST_CASE("an id its owner does not know is answered by the node that "
          "holds it, as soon as it answers") {
  stand_ins s;
  s.answers.emplace(0, std::string{"record on n1"});
  s.run(3); // n4, added since the intent was stored on n1
  s.release(3);
  CHECK(s.asked == std::vector<std::size_t>{3, 0, 1, 2});
  CHECK_FALSE(s.result);
  s.release(0);
  REQUIRE(s.result);
  CHECK(**s.result == "record on n1");
  s.release_all(); // late answers change nothing
  CHECK(s.results == 1);
  CHECK(**s.result == "record on n1");
}

TEST_CASE("the node that holds the id answers its problem too") {
  stand_ins s;
  s.answers.emplace(
      0, outcome<std::string>{problem{errc::conflict, "Final.", {}}});
  s.answers.emplace(1, outcome<std::string>{down("n2")});
  s.run(3);
  s.release_all();
  REQUIRE(s.result);
  CHECK(s.result->error().code == errc::conflict);
  CHECK(s.results == 1);
}

TEST_CASE("no node holds the id: not found when every node answered, "
          "node_unavailable when one could not be asked") {
  stand_ins s;
  s.run(3);
  s.release_all();
  REQUIRE(s.result);
  CHECK(s.result->error().code == errc::not_found);
  CHECK(s.results == 1);

  stand_ins t;
  t.answers.emplace(1, outcome<std::string>{down("n2")});
  t.run(3);
  t.release(3);
  t.release(0);
  t.release(1);
  CHECK_FALSE(t.result); // n3 may still hold it
  t.release(2);
  REQUIRE(t.result);
  CHECK(t.result->error().code == errc::node_unavailable);
  CHECK(t.result->error().message == "Node n2 is down.");
}

TEST_CASE("an owner's answer that stands for no intent is passed over like "
          "its not_found, and stands when no other node holds the id") {
  // "word:..." stands for no intent (as the chain's word about an id).
  no_intent_fn<std::string> word = [](const std::string& a) {
    return a.rfind("word:", 0) == 0;
  };
  struct run_with {
    stand_ins s;
    void operator()(std::size_t owner, no_intent_fn<std::string> word) {
      ask_owner_first<std::string>(
          owner, 4,
          [this](std::size_t node, reply<std::string> done) {
            s.asked.push_back(node);
            s.queued.emplace_back(node, std::move(done));
          },
          [this](outcome<std::string> r) {
            ++s.results;
            s.result = std::move(r);
          },
          std::move(word));
    }
  };
  run_with held;
  held.s.answers.emplace(3, std::string{"word:completed"});
  held.s.answers.emplace(1, std::string{"word:completed"});
  held.s.answers.emplace(0, std::string{"record on n1"});
  held(3, word);
  held.s.release_all();
  CHECK(held.s.asked == std::vector<std::size_t>{3, 0, 1, 2});
  REQUIRE(held.s.result);
  CHECK(**held.s.result == "record on n1");
  CHECK(held.s.results == 1);

  run_with none;
  none.s.answers.emplace(3, std::string{"word:failed"});
  none.s.answers.emplace(2, std::string{"word:completed"});
  none(3, word);
  none.s.release_all();
  REQUIRE(none.s.result);
  CHECK(**none.s.result == "word:failed"); // the owner's
  CHECK(none.s.results == 1);

  run_with unasked;
  unasked.s.answers.emplace(3, std::string{"word:failed"});
  unasked.s.answers.emplace(1, outcome<std::string>{down("n2")});
  unasked(3, word);
  unasked.s.release_all();
  REQUIRE(unasked.s.result);
  CHECK(unasked.s.result->error().code == errc::node_unavailable);

  // Without the predicate, every answer is the intent's: the owner's
  // stands at once.
  run_with plain;
  plain.s.answers.emplace(3, std::string{"word:failed"});
  plain.s.answers.emplace(0, std::string{"record on n1"});
  plain(3, nullptr);
  plain.s.release_all();
  CHECK(plain.s.asked == std::vector<std::size_t>{3});
  REQUIRE(plain.s.result);
  CHECK(**plain.s.result == "word:failed");
}
