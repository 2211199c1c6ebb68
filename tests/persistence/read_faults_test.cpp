#include <doctest/doctest.h>

#include <cerrno>
#include <functional>
#include <memory>
#include <sstream>

#include <lmdb.h>

#include "tests/persistence/store_fixture.hpp"

using namespace intentd;
using intentd::test::fast_options;
using intentd::test::make_record;
using intentd::test::open_store;
using intentd::test::temp_dir;

namespace {

/// Makes the n-th read of a store (counted from arm()) fail with `code`.
struct read_faults {
  int n = 0;
  int seen = 0;
  int code = 0;

  void arm(int nth, int with) {
    n = nth;
    seen = 0;
    code = with;
  }
  void disarm() { n = 0; }
  int operator()() { return n > 0 && ++seen == n ? code : 0; }
};

/// One read of the store, its answer rendered as text.
using read_path = std::function<outcome<std::string>(const intent_store&)>;

std::string ids_of(const std::vector<intent_record>& recs) {
  std::string out;
  for (const auto& r : recs)
    out += r.request.id + " ";
  return out;
}

template<class T>
outcome<std::string> render(const outcome<T>& r,
                            std::function<std::string(const T&)> show) {
  if (!r)
    return r.error();
  return show(*r);
}

outcome<std::string> render_id(const outcome<std::optional<std::string>>& r) {
  return render<std::optional<std::string>>(
      r, [](const auto& id) { return id ? "id " + *id : "none"; });
}

/// The read paths of the store, each with a name.
std::vector<std::pair<std::string, read_path>> read_paths() {
  std::vector<std::pair<std::string, read_path>> out;
  out.emplace_back("find", [](const intent_store& s) {
    return render<std::optional<intent_record>>(
        s.find("live-2"),
        [](const auto& rec) { return rec ? rec->request.id : "none"; });
  });
  out.emplace_back("get", [](const intent_store& s) {
    return render<intent_record>(
        s.get("live-2"), [](const auto& rec) { return rec.request.id; });
  });
  out.emplace_back("get missing", [](const intent_store& s) {
    auto rec = s.get("nobody");
    if (rec || rec.error().code != errc::not_found)
      return render<intent_record>(rec,
                                   [](const auto& r) { return r.request.id; });
    return outcome<std::string>{std::string{"none"}};
  });
  out.emplace_back("find missing", [](const intent_store& s) {
    return render<std::optional<intent_record>>(
        s.find("nobody"),
        [](const auto& rec) { return rec ? rec->request.id : "none"; });
  });
  auto listing = [](list_query q) {
    return [q](const intent_store& s) {
      return render<record_page>(s.list(q), [](const record_page& p) {
        return ids_of(p.items) + "| " + p.next_cursor;
      });
    };
  };
  out.emplace_back("list", listing(list_query{}));
  list_query by_user;
  by_user.user = "alice";
  by_user.limit = 2;
  out.emplace_back("list by user", listing(by_user));
  list_query by_status;
  by_status.status = intent_status::completed;
  out.emplace_back("list by status", listing(by_status));
  list_query by_user_status;
  by_user_status.user = "alice";
  by_user_status.status = intent_status::pending;
  out.emplace_back("list by user and status", listing(by_user_status));
  out.emplace_back("find_by_tx", [](const intent_store& s) {
    return render_id(s.find_by_tx("0xdone-1"));
  });
  out.emplace_back("find_by_tx missing", [](const intent_store& s) {
    return render_id(s.find_by_tx("0xnone"));
  });
  out.emplace_back("nonce_owner", [](const intent_store& s) {
    return render_id(s.nonce_owner("alice", 1));
  });
  out.emplace_back("nonce_owner unused", [](const intent_store& s) {
    return render_id(s.nonce_owner("alice", 99));
  });
  out.emplace_back("dead_letters", [](const intent_store& s) {
    return render<std::vector<intent_record>>(s.dead_letters(10), ids_of);
  });
  out.emplace_back("dead_letter_count", [](const intent_store& s) {
    return render<uint64_t>(s.dead_letter_count(),
                            [](uint64_t n) { return std::to_string(n); });
  });
  out.emplace_back("count_by_status", [](const intent_store& s) {
    return render<std::vector<uint64_t>>(
        s.count_by_status(), [](const std::vector<uint64_t>& counts) {
          std::string text;
          for (auto n : counts)
            text += std::to_string(n) + " ";
          return text;
        });
  });
  out.emplace_back("live_after", [](const intent_store& s) {
    std::string seen;
    std::string after;
    for (bool more = true; more;) {
      auto page = s.live_after(after, 1);
      if (!page)
        return outcome<std::string>{page.error()};
      for (const auto& rec : page->records)
        seen += rec.request.id + " ";
      more = page->more;
      after = page->next;
    }
    return outcome<std::string>{seen};
  });
  out.emplace_back("live_by_expiry", [](const intent_store& s) {
    using entries = std::vector<std::pair<time_us, std::string>>;
    return render<entries>(s.live_by_expiry(10), [](const entries& e) {
      std::string text;
      for (const auto& [at, id] : e)
        text += std::to_string(at) + ":" + id + " ";
      return text;
    });
  });
  out.emplace_back("oldest_terminal_update", [](const intent_store& s) {
    return render<std::optional<time_us>>(
        s.oldest_terminal_update(), [](const std::optional<time_us>& t) {
          return t ? std::to_string(*t) : "none";
        });
  });
  out.emplace_back("load_solver_stats", [](const intent_store& s) {
    return render<std::vector<solver_stats>>(
        s.load_solver_stats(), [](const std::vector<solver_stats>& all) {
          std::string text;
          for (const auto& st : all)
            text += st.solver_id + ":" + std::to_string(st.attempts) + " ";
          return text;
        });
  });
  out.emplace_back("load_account_keys", [](const intent_store& s) {
    using keys = std::vector<std::pair<std::string, std::string>>;
    return render<keys>(s.load_account_keys(), [](const keys& all) {
      std::string text;
      for (const auto& [account, key] : all)
        text += account + ":" + std::to_string(key.size()) + " ";
      return text;
    });
  });
  return out;
}

/// A store with live, completed (with transactions) and dead-lettered
/// records of two users, solver counters and a registered key, whose reads
/// ask `faults`.
intent_store filled_store(const temp_dir& dir,
                          const std::shared_ptr<read_faults>& faults) {
  auto opts = fast_options(dir);
  opts.read_fault = [faults] { return (*faults)(); };
  auto store = open_store(opts);
  std::vector<intent_record> recs;
  time_us t = 1000;
  for (int i = 1; i <= 3; ++i) {
    auto rec =
        make_record("live-" + std::to_string(i), i == 3 ? "bob" : "alice",
                    intent_status::pending, ++t);
    rec.request.nonce = static_cast<uint64_t>(i);
    recs.push_back(rec);
  }
  for (int i = 1; i <= 3; ++i) {
    auto rec = make_record("done-" + std::to_string(i), "alice",
                           intent_status::completed, ++t);
    rec.request.signature.clear();
    transaction_info tx;
    tx.hash = "0xdone-" + std::to_string(i);
    rec.execution.transactions.push_back(tx);
    recs.push_back(rec);
  }
  for (int i = 1; i <= 2; ++i) {
    auto rec = make_record("dead-" + std::to_string(i), "bob",
                           intent_status::failed, ++t);
    rec.request.signature.clear();
    rec.dead_letter = true;
    recs.push_back(rec);
  }
  REQUIRE(store.put(recs));
  REQUIRE(store.put_solver_stats({{"s1", 4, 3, 1, 900}, {"s2", 1, 1, 0, 7}}));
  REQUIRE(store.put_account_key("alice", std::string(32, 'k')));
  return store;
}

/// Runs `path` with its n-th read failing with `code`, for n = 1, 2, ...
/// until a run makes fewer than n reads: each run whose fault landed
/// answers a problem of `expected`, never a (shorter, emptier) answer; the
/// run it no longer lands in answers as a run without faults. Returns n.
int sweep(const std::string& name, const read_path& path, int code,
          errc expected) {
  CAPTURE(name);
  temp_dir dir;
  auto faults = std::make_shared<read_faults>();
  auto store = filled_store(dir, faults);
  auto clean = path(store);
  REQUIRE_MESSAGE(clean, intentd::test::why(clean));
  int n = 1;
  for (; n < 100; ++n) {
    CAPTURE(n);
    faults->arm(n, code);
    auto r = path(store);
    const bool landed = faults->seen >= n;
    faults->disarm();
    if (!landed) {
      REQUIRE(r);
      CHECK(*r == *clean);
      break;
    }
    if (r)
      FAIL_CHECK("answered '" << *r << "' although a read failed");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == expected);
    CHECK_FALSE(r.error().message.empty());
  }
  CHECK(n < 100);
  return n;
}

} // namespace

TEST_CASE("whichever read fails, a store read answers a problem, never less") {
  for (const auto& [name, path] : read_paths()) {
    // Every read opens a transaction at least.
    CHECK(sweep(name, path, EIO, errc::storage_unavailable) > 1);
  }
}

TEST_CASE("a read that finds a damaged page answers storage_corrupt") {
  for (const auto& [name, path] : read_paths())
    sweep(name, path, MDB_PAGE_NOTFOUND, errc::storage_corrupt);
}

TEST_CASE("a failed read says why, and the store reads again after it") {
  temp_dir dir;
  auto faults = std::make_shared<read_faults>();
  auto store = filled_store(dir, faults);
  faults->arm(2, EIO);
  auto r = store.find("live-1");
  faults->disarm();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::storage_unavailable);
  CHECK(r.error().message.find("I/O error") != std::string::npos);
  CHECK(r.error().message.find(dir.path().string()) != std::string::npos);
  auto again = store.find("live-1");
  REQUIRE(again);
  REQUIRE(*again);
  CHECK((*again)->request.id == "live-1");
}
