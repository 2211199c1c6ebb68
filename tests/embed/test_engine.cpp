#include <atomic>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "embed/embed_fixture.hpp"

using namespace embed_test;

namespace {

/// The status line of `GET path` on 127.0.0.1:port ("HTTP/1.1 200 OK").
std::string http_status_line(uint16_t port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return "socket failed";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string req = "GET " + path +
                      " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: "
                      "close\r\n\r\n";
    if (::send(fd, req.data(), req.size(), 0) ==
        static_cast<ssize_t>(req.size())) {
      char buf[4096];
      ssize_t n;
      while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0)
        reply.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return reply.substr(0, reply.find("\r\n"));
}

size_t thread_count() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator("/proc/self/task"))
    ++n;
  return n;
}

} // namespace

TEST_CASE("an embedded engine takes a swap to completed and a subscription "
          "sees every transition in order") {
  temp_dir dir("swap");
  auto e = intentd::engine::start(config_on(dir));
  REQUIRE_MESSAGE(e, (e ? "" : e.err().message));
  auto& eng = **e;

  auto sent = eng.submit_wait(swap("embed-1"));
  REQUIRE_MESSAGE(sent, (sent ? "" : sent.err().message));
  CHECK(sent->created);
  CHECK(sent->record.id == "embed-1");
  CHECK(sent->record.status == "pending");
  CHECK(sent->record.input_amount == "10");
  CHECK(sent->record.json.find("\"id\":\"embed-1\"") != std::string::npos);

  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<uint64_t, std::string>> seen;
  auto sub =
      eng.subscribe_intent("embed-1", [&](const intentd::notification& n) {
        if (n.kind != "update")
          return;
        std::lock_guard<std::mutex> lock(mu);
        seen.emplace_back(n.seq, n.status);
        cv.notify_all();
      });
  REQUIRE(sub);
  REQUIRE(wait_until(mu, cv, [&] {
    return !seen.empty() && seen.back().second == "completed";
  }));
  {
    std::lock_guard<std::mutex> lock(mu);
    // The current state first, then each later transition once, by seq.
    for (size_t i = 1; i < seen.size(); ++i)
      CHECK(seen[i].first == seen[i - 1].first + 1);
    CHECK(seen.back().first == 4); // pending, verified, executing, completed
  }
  sub->reset();

  auto rec = eng.get_wait("embed-1");
  REQUIRE(rec);
  CHECK(rec->status == "completed");
  CHECK(rec->is_final());
  CHECK_FALSE(rec->solver_id.empty());
  CHECK_FALSE(rec->output_amount.empty());
  CHECK(rec->history.size() == 4);

  // The same id and body again: the current record, not a new intent.
  auto again = eng.submit_wait(swap("embed-1"));
  REQUIRE(again);
  CHECK_FALSE(again->created);
  CHECK(again->record.status == "completed");

  auto page = eng.list_wait({"alice.near", "completed", 10, {}});
  REQUIRE(page);
  REQUIRE(page->items.size() == 1);
  CHECK(page->items[0].id == "embed-1");

  CHECK(eng.metrics_text().find("intents_submitted_total") !=
        std::string::npos);
  eng.stop();
}

TEST_CASE("an invalid intent is refused with the HTTP API's error and fields") {
  temp_dir dir("invalid");
  auto e = intentd::engine::start(config_on(dir));
  REQUIRE(e);
  auto bad = swap("embed-bad");
  bad.input_amount = "1e5";
  bad.output_token = "nope.near";
  auto sent = (*e)->submit_wait(bad);
  REQUIRE_FALSE(sent);
  CHECK(sent.err().code == "invalid_intent");
  CHECK(sent.err().http_status == 400);
  std::set<std::string> fields;
  for (const auto& f : sent.err().fields)
    fields.insert(f.field);
  CHECK(fields.count("input_amount") == 1);
  CHECK(fields.count("output_token") == 1);

  auto missing = (*e)->get_wait("no-such-intent");
  REQUIRE_FALSE(missing);
  CHECK(missing.err().code == "not_found");
  CHECK(missing.err().http_status == 404);
}

TEST_CASE("two engines in one process on different storage do not interfere") {
  temp_dir a_dir("a"), b_dir("b");
  auto a = intentd::engine::start(config_on(a_dir));
  auto b = intentd::engine::start(config_on(b_dir));
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE((*a)->submit_wait(swap("only-in-a")));
  REQUIRE((*b)->submit_wait(swap("only-in-b")));
  auto in_a = wait_final(**a, "only-in-a");
  auto in_b = wait_final(**b, "only-in-b");
  REQUIRE(in_a);
  REQUIRE(in_b);
  CHECK(in_a->status == "completed");
  CHECK(in_b->status == "completed");
  auto crossed = (*a)->get_wait("only-in-b");
  REQUIRE_FALSE(crossed);
  CHECK(crossed.err().code == "not_found");
  CHECK_FALSE((*b)->get_wait("only-in-a"));
  (*a)->stop();
  // b goes on after a stopped.
  REQUIRE((*b)->submit_wait(swap("b-after-a-stopped")));
  auto later = wait_final(**b, "b-after-a-stopped");
  REQUIRE(later);
  CHECK(later->status == "completed");
}

TEST_CASE("a second engine on storage another engine holds fails to start "
          "and names why") {
  temp_dir dir("shared");
  auto first = intentd::engine::start(config_on(dir));
  REQUIRE(first);
  REQUIRE((*first)->submit_wait(swap("held-1")));

  auto second = intentd::engine::start(config_on(dir));
  REQUIRE_FALSE(second);
  CHECK(second.err().code == "storage_unavailable");
  CHECK(second.err().message.find("in use by another engine") !=
        std::string::npos);

  // The first is unharmed, and once it stops the storage opens again with
  // its intent in it.
  auto done = wait_final(**first, "held-1");
  REQUIRE(done);
  CHECK(done->status == "completed");
  (*first)->stop();
  auto third = intentd::engine::start(config_on(dir));
  REQUIRE_MESSAGE(third, (third ? "" : third.err().message));
  auto kept = (*third)->get_wait("held-1");
  REQUIRE(kept);
  CHECK(kept->status == "completed");
}

TEST_CASE("every call after stop() answers engine_stopped; stop is "
          "idempotent") {
  temp_dir dir("stopped");
  auto e = intentd::engine::start(config_on(dir));
  REQUIRE(e);
  auto& eng = **e;
  eng.stop();
  eng.stop();
  CHECK_FALSE(eng.ready());
  auto sent = eng.submit_wait(swap("late"));
  REQUIRE_FALSE(sent);
  CHECK(sent.err().code == "engine_stopped");
  auto got = eng.get_wait("late");
  REQUIRE_FALSE(got);
  CHECK(got.err().code == "engine_stopped");
  CHECK(eng.list_wait({}).err().code == "engine_stopped");
  CHECK(eng.cancel_wait("late").err().code == "engine_stopped");
  CHECK(eng.solvers_wait().err().code == "engine_stopped");
  CHECK(eng.dead_letters_wait(10).err().code == "engine_stopped");
  auto sub = eng.subscribe_intent("late", [](const intentd::notification&) {});
  REQUIRE_FALSE(sub);
  CHECK(sub.err().code == "engine_stopped");
  CHECK(eng.start_gateway("127.0.0.1:0").err().code == "engine_stopped");
}

TEST_CASE("submissions from 8 threads at once all complete") {
  temp_dir dir("threads");
  auto e = intentd::engine::start(config_on(dir));
  REQUIRE(e);
  auto& eng = **e;
  constexpr int threads = 8;
  constexpr int per_thread = 25;
  std::atomic<int> accepted{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        auto id = "t" + std::to_string(t) + "-" + std::to_string(i);
        auto r =
            eng.submit_wait(swap(id, "user" + std::to_string(t) + ".near"));
        (r && r->created ? accepted : refused)++;
      }
    });
  for (auto& th : pool)
    th.join();
  CHECK(accepted == threads * per_thread);
  CHECK(refused == 0);
  for (int t = 0; t < threads; ++t)
    for (int i = 0; i < per_thread; ++i) {
      auto id = "t" + std::to_string(t) + "-" + std::to_string(i);
      auto r = wait_final(eng, id);
      REQUIRE(r);
      CHECK_MESSAGE(r->status == "completed", id);
    }
}

TEST_CASE("stop() leaves no engine thread behind") {
  temp_dir dir("threads-left");
  auto before = thread_count();
  {
    auto e = intentd::engine::start(config_on(dir));
    REQUIRE(e);
    auto port = (*e)->start_gateway("127.0.0.1:0");
    REQUIRE_MESSAGE(port, (port ? "" : port.err().message));
    CHECK(*port > 0);
    REQUIRE((*e)->submit_wait(swap("thread-1")));
    CHECK(wait_final(**e, "thread-1"));
    // The gateway answers from this engine.
    CHECK(http_status_line(*port, "/api/v1/intents/thread-1") ==
          "HTTP/1.1 200 OK");
    CHECK(http_status_line(*port, "/api/v1/intents/nothing") ==
          "HTTP/1.1 404 Not Found");
    CHECK(thread_count() > before);
    (*e)->stop();
    CHECK(thread_count() == before);
  }
  CHECK(thread_count() == before);
}

namespace {

/// Delegates nothing: a ledger where everything succeeds, counting calls.
class counting_chain final : public intentd::chain::adapter {
public:
  intentd::chain::verify_result
  verify(const intentd::chain::intent& in) override {
    std::lock_guard<std::mutex> lock(mu);
    verified.push_back(in.id);
    amounts.push_back(in.input_amount);
    states[in.id] = intentd::chain::intent_state::reserved;
    return {};
  }
  intentd::chain::execute_result execute(const intentd::chain::intent& in,
                                         const std::string& solver) override {
    std::lock_guard<std::mutex> lock(mu);
    executed.push_back(in.id);
    intentd::chain::execute_result r;
    if (states[in.id] == intentd::chain::intent_state::executed) {
      r.fault = intentd::chain::fault::already_executed;
      return r;
    }
    states[in.id] = intentd::chain::intent_state::executed;
    r.tx_hash = "0xc" + std::to_string(executed.size());
    r.total_cost = "0.01";
    r.output_amount = "2.5";
    return r;
  }
  void release(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu);
    states[id] = intentd::chain::intent_state::released;
  }
  intentd::chain::intent_state state_of(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu);
    auto it = states.find(id);
    return it == states.end() ? intentd::chain::intent_state::unknown
                              : it->second;
  }
  std::optional<intentd::chain::execution>
  execution_of(const std::string&) override {
    return std::nullopt;
  }
  std::optional<intentd::chain::transaction>
  transaction_of(const std::string&) override {
    return std::nullopt;
  }

  std::mutex mu;
  std::vector<std::string> verified;
  std::vector<std::string> executed;
  std::vector<std::string> amounts;
  std::map<std::string, intentd::chain::intent_state> states;
};

} // namespace

TEST_CASE("a custom chain adapter sees every verify and execute") {
  temp_dir dir("custom-chain");
  auto chain = std::make_shared<counting_chain>();
  intentd::engine_options opts;
  opts.chain = chain;
  auto e = intentd::engine::start(config_on(dir), opts);
  REQUIRE_MESSAGE(e, (e ? "" : e.err().message));
  std::vector<std::string> ids = {"c-1", "c-2", "c-3"};
  for (const auto& id : ids)
    REQUIRE((*e)->submit_wait(swap(id)));
  for (const auto& id : ids) {
    auto r = wait_final(**e, id);
    REQUIRE(r);
    CHECK(r->status == "completed");
    CHECK(r->output_amount == "2.5");
    REQUIRE(r->transactions.size() == 1);
    CHECK(r->transactions[0].hash.rfind("0xc", 0) == 0);
  }
  (*e)->stop();
  std::lock_guard<std::mutex> lock(chain->mu);
  CHECK(std::set<std::string>(chain->verified.begin(), chain->verified.end()) ==
        std::set<std::string>(ids.begin(), ids.end()));
  CHECK(chain->verified.size() == ids.size());
  CHECK(chain->executed.size() == ids.size());
  for (const auto& a : chain->amounts)
    CHECK(a == "10"); // decimal, in the token's units
}

TEST_CASE("a failed intent is a dead letter that can be retried and purged") {
  temp_dir dir("dead-letters");
  auto c = config_on(dir);
  // Every execution reverts: not retryable, so the intent fails at once.
  REQUIRE(c.set("chain.simulated.revert_rate", 1.0));
  auto e = intentd::engine::start(c);
  REQUIRE(e);
  auto& eng = **e;
  REQUIRE(eng.submit_wait(swap("doomed")));
  auto failed = wait_final(eng, "doomed");
  REQUIRE(failed);
  CHECK(failed->status == "failed");
  CHECK(failed->error_code == "reverted");
  CHECK(failed->dead_letter);

  auto dead = eng.dead_letters_wait(10);
  REQUIRE(dead);
  REQUIRE(dead->size() == 1);
  CHECK((*dead)[0].id == "doomed");

  auto retried = eng.retry_dead_letter_wait("doomed");
  REQUIRE_MESSAGE(retried, (retried ? "" : retried.err().message));
  CHECK(retried->status == "pending");
  CHECK_FALSE(retried->dead_letter);
  auto again = wait_final(eng, "doomed");
  REQUIRE(again);
  CHECK(again->status == "failed");

  std::mutex mu;
  std::condition_variable cv;
  std::optional<intentd::result<intentd::record>> purged;
  eng.purge_dead_letter("doomed", [&](intentd::result<intentd::record> r) {
    std::lock_guard<std::mutex> lock(mu);
    purged = std::move(r);
    cv.notify_all();
  });
  REQUIRE(wait_until(mu, cv, [&] { return purged.has_value(); }));
  REQUIRE(*purged);
  CHECK((**purged).id == "doomed");
  // This engine forgot it; a read falls back to the chain, which still
  // knows the reverted execution (as GET /api/v1/intents/{id} does).
  auto after = eng.get_wait("doomed");
  REQUIRE(after);
  CHECK(after->status == "failed");
  CHECK(after->status_message.find("holds no record") != std::string::npos);
  CHECK(eng.dead_letters_wait(10)->empty());
  CHECK(eng.retry_dead_letter_wait("doomed").err().code == "not_found");
}

TEST_CASE("solvers() lists the built-in and the external solvers with the "
          "fields of GET /api/v1/solvers") {
  temp_dir dir("solvers");
  auto c = config_on(dir);
  REQUIRE(c.set("solvers.count", 2));
  REQUIRE(c.set("solvers.reconnect_grace_ms", 0));
  REQUIRE(c.set("solvers.external",
                "[{solver_id: acme, public_key: "
                "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af466"
                "0c, account: acme.near}]"));
  auto e = intentd::engine::start(c);
  REQUIRE_MESSAGE(e, (e ? "" : e.err().message));
  auto& eng = **e;
  // No solver connected: the built-ins execute it.
  REQUIRE(eng.submit_wait(swap("by-builtin")));
  auto done = wait_final(eng, "by-builtin");
  REQUIRE(done);
  CHECK(done->status == "completed");

  auto listed = eng.solvers_wait();
  REQUIRE_MESSAGE(listed, (listed ? "" : listed.err().message));
  REQUIRE(listed->size() == 3);
  uint64_t attempts = 0;
  for (size_t i = 0; i < 2; ++i) {
    auto& s = (*listed)[i];
    CHECK(s.kind == "builtin");
    CHECK(s.connected);
    CHECK(s.asked == 0);
    CHECK(s.settled == s.successes);
    CHECK_FALSE(s.resting_until);
    attempts += s.attempts;
  }
  CHECK(attempts >= 1);
  auto& acme = (*listed)[2];
  CHECK(acme.solver_id == "acme");
  CHECK(acme.kind == "external");
  CHECK_FALSE(acme.connected);
  CHECK(acme.healthy);
  CHECK(acme.asked == 0);
  CHECK(acme.won == 0);
  CHECK(acme.consecutive_failures == 0);
  CHECK(acme.mean_response_ms == 0);
  CHECK(acme.rejected.empty());
  CHECK_FALSE(acme.resting_until);
  CHECK(acme.node.empty());
  eng.stop();
}
