// After a node is added (cluster.previous_nodes): the previous owner of an
// id that moved, a submission of such an id answered as one node answers
// it (submit_moved_id), and a read of it that its new owner knows from the
// chain alone (ask_owner_first with chain_word), with stand-ins for this
// node's engine and the previous owner that answer when the test says.

#include <doctest/doctest.h>

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "runtime/cluster/cluster_table.hpp"
#include "runtime/cluster/owner_fallback.hpp"
#include "runtime/cluster/previous_owner.hpp"
#include "runtime/model/rendezvous.hpp"

using namespace intentd;

namespace {

cfg::cluster four_nodes(std::vector<std::string> previous) {
  cfg::cluster c;
  c.node = "n4";
  for (int i = 1; i <= 4; ++i) {
    auto n = std::to_string(i);
    c.nodes.push_back({"n" + n, "127.0.0.1:710" + n, "127.0.0.1:808" + n});
  }
  c.previous_nodes = std::move(previous);
  return c;
}

intent_record stored(const std::string& id, const std::string& digest) {
  intent_record rec;
  rec.request.id = id;
  rec.request.user_account = "alice.near";
  rec.body_digest = digest;
  rec.status = intent_status::completed;
  return rec;
}

problem error_of(errc code, std::string message = "no") {
  return problem{code, std::move(message), {}};
}

/// This node (n4) and the previous owner (n1) of id "moved-1": their
/// answers are queued until the test releases them.
struct moved_submission {
  /// What this node's engine holds for the id, and what n1 answers.
  outcome<intent_record> here{error_of(errc::not_found)};
  outcome<intent_record> previous{error_of(errc::not_found)};
  /// What a submission stored here is answered when it gets that far.
  bool admitted = true; // the admission this node's submit is given
  std::deque<std::function<void()>> queued;
  int reads_here = 0;
  int reads_previous = 0;
  int stores = 0;
  bool admission_asked = false;
  std::optional<outcome<submit_result>> result;
  int results = 0;

  void run(const std::string& digest) {
    moved_id_calls calls;
    calls.read_here = [this](reply<intent_record> done) {
      ++reads_here;
      queued.push_back([this, done] { done(here); });
    };
    calls.read_previous = [this](reply<intent_record> done) {
      ++reads_previous;
      queued.push_back([this, done] { done(previous); });
    };
    // As the engine: the admission after the checks, then stored anew.
    calls.store_here = [this](engine_core::submit_admission admit,
                              reply<submit_result> done) {
      ++stores;
      intent in;
      in.id = "moved-1";
      auto store = [done] {
        auto rec = stored("moved-1", "new");
        rec.node = "n4";
        done(submit_result{rec, true});
      };
      if (!admit)
        return store();
      admit(in, [this, done, store](std::optional<problem> refused) {
        if (refused)
          return done(std::move(*refused));
        store();
      });
    };
    engine_core::submit_admission admit =
        [this](const intent&, engine_core::admission_done decided) {
          admission_asked = true;
          decided(admitted ? std::nullopt
                           : std::optional<problem>{
                                 error_of(errc::rate_limited, "Too many.")});
        };
    submit_moved_id("n1", digest, admit, std::move(calls),
                    [this](outcome<submit_result> r) {
                      ++results;
                      result = std::move(r);
                    });
  }

  void release_all() {
    while (!queued.empty()) {
      auto next = std::move(queued.front());
      queued.pop_front();
      next();
    }
  }
};

/// The chain's word about "moved-1" as a node that holds no record of it
/// reads it (cache.chain_fallback): seq 0, no body digest.
intent_record chain_says(intent_status status) {
  intent_record rec;
  rec.request.id = "moved-1";
  rec.status = status;
  rec.status_message = "This node holds no record of the intent.";
  return rec;
}

/// A read by id of "moved-1" as the cluster asks it: its owner n4 (index
/// 3) first, then its previous owner n1 (index 0), the chain's word of
/// either standing for no record (chain_word). Answers are queued until
/// the test releases them.
struct moved_read {
  outcome<intent_record> owner{error_of(errc::not_found)};
  outcome<intent_record> previous{error_of(errc::not_found)};
  std::deque<std::function<void()>> queued;
  std::vector<std::size_t> asked;
  std::optional<outcome<intent_record>> result;
  int results = 0;

  void run() {
    ask_owner_first<intent_record>(
        3, std::vector<std::size_t>{0},
        [this](std::size_t node, reply<intent_record> done) {
          asked.push_back(node);
          auto r = node == 3 ? owner : previous;
          if (r)
            r->node = node == 3 ? "n4" : "n1";
          queued.push_back([done, r] { done(r); });
        },
        [this](outcome<intent_record> r) {
          ++results;
          result = std::move(r);
        },
        chain_word);
  }

  void release_all() {
    while (!queued.empty()) {
      auto next = std::move(queued.front());
      queued.pop_front();
      next();
    }
  }
};

} // namespace

TEST_CASE("the chain's word is not a stored record") {
  CHECK(chain_word(chain_says(intent_status::completed)));
  auto rec = stored("moved-1", "body-a");
  rec.seq = 1;
  CHECK_FALSE(chain_word(rec));
  rec.body_digest.clear(); // stored without a digest: still a record
  CHECK_FALSE(chain_word(rec));
}

TEST_CASE("a read of a moved id that its new owner knows from the chain "
          "alone is answered with the previous owner's record") {
  moved_read r;
  r.owner = chain_says(intent_status::completed);
  auto full = stored("moved-1", "body-a");
  full.seq = 7;
  full.history.push_back(history_entry{intent_status::verified, 1});
  r.previous = full;
  r.run();
  r.release_all();
  CHECK(r.asked == std::vector<std::size_t>{3, 0});
  REQUIRE(r.result);
  REQUIRE(*r.result);
  CHECK((*r.result)->node == "n1");
  CHECK((*r.result)->seq == 7);
  CHECK((*r.result)->body_digest == "body-a");
  CHECK(r.results == 1);

  // A 404 of the new owner too, as before.
  moved_read unknown;
  unknown.previous = full;
  unknown.run();
  unknown.release_all();
  REQUIRE(unknown.result);
  REQUIRE(*unknown.result);
  CHECK((*unknown.result)->node == "n1");
}

TEST_CASE("the new owner's record is the answer, the previous owner not "
          "asked") {
  moved_read r;
  auto rec = stored("moved-1", "body-b");
  rec.seq = 2;
  r.owner = rec;
  r.previous = error_of(errc::node_unavailable); // would be 503
  r.run();
  r.release_all();
  CHECK(r.asked == std::vector<std::size_t>{3});
  REQUIRE(r.result);
  REQUIRE(*r.result);
  CHECK((*r.result)->node == "n4");
  CHECK((*r.result)->body_digest == "body-b");
}

TEST_CASE("the chain's word stands when the previous owner holds no record "
          "either") {
  for (auto there :
       {outcome<intent_record>{error_of(errc::not_found)},
        outcome<intent_record>{chain_says(intent_status::completed)}}) {
    moved_read r;
    r.owner = chain_says(intent_status::failed);
    r.previous = there;
    r.run();
    r.release_all();
    CHECK(r.asked == std::vector<std::size_t>{3, 0});
    REQUIRE(r.result);
    REQUIRE(*r.result);
    CHECK((*r.result)->node == "n4");
    CHECK((*r.result)->status == intent_status::failed);
    CHECK(chain_word(**r.result));
  }
}

TEST_CASE("a previous owner that cannot be asked makes a read of a moved id "
          "known from the chain 503 node_unavailable, not the chain's word") {
  for (auto code : {errc::node_unavailable, errc::timeout, errc::overloaded}) {
    moved_read r;
    r.owner = chain_says(intent_status::completed);
    r.previous = error_of(code, "Node n1 is down.");
    r.run();
    CHECK_FALSE(r.result); // waits for the answers
    r.release_all();
    REQUIRE(r.result);
    REQUIRE_FALSE(*r.result);
    CHECK(r.result->error().code == code);
    CHECK(r.result->error().message == "Node n1 is down.");
    CHECK(r.results == 1);
  }
}

TEST_CASE("the previous owner of an id is its owner among previous_nodes") {
  cluster_table none{four_nodes({})};
  CHECK_FALSE(none.previous_owner_of("i-1"));
  // Without previous_nodes, every other node may hold an id.
  CHECK(none.holders_besides_owner("i-1").size() == 3);

  cluster_table t{four_nodes({"n3", "n1", "n2"})};
  const std::vector<std::string> before{"n1", "n2", "n3"};
  int moved = 0;
  for (int i = 0; i < 4000; ++i) {
    auto id = "i-" + std::to_string(i);
    auto previous = t.previous_owner_of(id);
    REQUIRE(previous);
    CHECK(t.names()[*previous] == before[rendezvous_owner(id, before)]);
    auto holders = t.holders_besides_owner(id);
    if (*previous == t.owner_of(id)) {
      CHECK(holders.empty()); // it did not move: nobody else to ask
    } else {
      ++moved;
      CHECK(t.names()[t.owner_of(id)] == "n4"); // only to the added node
      CHECK(holders == std::vector<std::size_t>{*previous});
    }
  }
  // About one id in four moved to n4.
  CHECK(moved > 900);
  CHECK(moved < 1100);
}

TEST_CASE("a resubmission of an intent its previous owner holds is answered "
          "from there: the same body 200, another body 409") {
  moved_submission s;
  s.previous = stored("moved-1", "body-a");
  s.run("body-a");
  s.release_all();
  CHECK(s.reads_here == 1);
  CHECK(s.reads_previous == 1);
  CHECK(s.stores == 0);
  REQUIRE(s.result);
  REQUIRE(*s.result);
  CHECK_FALSE((*s.result)->created);
  CHECK((*s.result)->record.node == "n1");
  CHECK((*s.result)->record.request.id == "moved-1");

  moved_submission other;
  other.previous = stored("moved-1", "body-a");
  other.run("body-b");
  other.release_all();
  // Refused after the checks a submission here passes, as on one node.
  CHECK(other.admission_asked);
  REQUIRE(other.result);
  REQUIRE_FALSE(*other.result);
  CHECK(other.result->error().code == errc::conflict);
  CHECK(other.results == 1);

  moved_submission limited;
  limited.previous = stored("moved-1", "body-a");
  limited.admitted = false;
  limited.run("body-b");
  limited.release_all();
  REQUIRE(limited.result);
  REQUIRE_FALSE(*limited.result);
  CHECK(limited.result->error().code == errc::rate_limited);
}

TEST_CASE("an id held by neither node is stored here; one held here is "
          "answered here without asking the previous owner") {
  moved_submission s;
  s.run("body-a");
  s.release_all();
  CHECK(s.reads_previous == 1);
  CHECK(s.stores == 1);
  CHECK(s.admission_asked);
  REQUIRE(s.result);
  REQUIRE(*s.result);
  CHECK((*s.result)->created);

  moved_submission here;
  here.here = stored("moved-1", "body-a");
  here.previous = error_of(errc::node_unavailable); // not asked
  here.run("body-a");
  here.release_all();
  CHECK(here.reads_previous == 0);
  CHECK(here.stores == 1);
  REQUIRE(here.result);
  CHECK(*here.result);

  // The chain's word about the id (no body digest) is not a stored intent,
  // here or there.
  moved_submission chain;
  chain.here = stored("moved-1", "");
  chain.previous = stored("moved-1", "");
  chain.run("body-a");
  chain.release_all();
  CHECK(chain.reads_previous == 1);
  CHECK(chain.stores == 1);
  REQUIRE(chain.result);
  CHECK(*chain.result);
}

TEST_CASE("a previous owner that cannot be asked refuses the submission "
          "with node_unavailable, never stores it here") {
  for (auto code : {errc::node_unavailable, errc::timeout, errc::overloaded}) {
    moved_submission s;
    s.previous = error_of(code, "Node n1 is down.");
    s.run("body-a");
    CHECK_FALSE(s.result); // waits for the answers
    s.release_all();
    CHECK(s.stores == 0);
    REQUIRE(s.result);
    REQUIRE_FALSE(*s.result);
    CHECK(s.result->error().code == errc::node_unavailable);
    CHECK(s.result->error().message.find("Node n1") != std::string::npos);
    CHECK(s.results == 1);
  }
  // Its other problems are the answer, and nothing is stored either.
  moved_submission s;
  s.previous = error_of(errc::storage_unavailable, "Disk full.");
  s.run("body-a");
  s.release_all();
  CHECK(s.stores == 0);
  REQUIRE(s.result);
  REQUIRE_FALSE(*s.result);
  CHECK(s.result->error().code == errc::storage_unavailable);
}
