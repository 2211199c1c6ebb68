#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runtime/engine/engine.hpp"
#include "runtime/model/status_message.hpp"
#include "runtime/model/time.hpp"
#include "runtime/model/validation.hpp"

namespace intentd::test {

/// An in-memory engine that answers on its own thread, as the real one does.
/// `hold(true)` parks every answer until `release()`, to test timeouts and
/// shutdown with requests in flight.
class fake_engine final : public engine_core {
public:
  explicit fake_engine(cfg::config config = {})
      : config_(std::move(config)), tokens_(specs(config_.tokens)) {
    worker_ = std::thread([this] { loop(); });
  }

  ~fake_engine() override { stop(); }

  const token_registry& tokens() const override { return tokens_; }
  const cfg::config& config() const override { return config_; }
  bool ready() const override { return ready_; }

  void submit(intent in, std::string digest,
              reply<submit_result> done) override {
    defer([this, in = std::move(in), digest = std::move(digest),
           done = std::move(done)]() mutable {
      done(do_submit(std::move(in), digest));
    });
  }

  void get(const std::string& id, reply<intent_record> done) override {
    defer([this, id, done = std::move(done)] { done(find(id)); });
  }

  void list(const list_query& q, reply<record_page> done) override {
    defer([this, q, done = std::move(done)] { done(do_list(q)); });
  }

  void find_by_tx(const std::string& hash, reply<intent_record> done) override {
    defer([this, hash, done = std::move(done)] {
      std::unique_lock<std::mutex> lock(mu_);
      for (auto& [id, rec] : records_)
        for (auto& tx : rec.execution.transactions)
          if (tx.hash == hash) {
            auto copy = rec;
            lock.unlock();
            return done(copy);
          }
      lock.unlock();
      done(problem{errc::not_found, "no such transaction", {}});
    });
  }

  void cancel(const std::string& id, reply<intent_record> done) override {
    defer([this, id, done = std::move(done)] {
      auto rec = mutate(id, [](intent_record& r) -> std::optional<problem> {
        if (r.status != intent_status::pending &&
            r.status != intent_status::verified)
          return problem{errc::not_cancellable, "too late to cancel", {}};
        r.status = intent_status::cancelled;
        return std::nullopt;
      });
      done(std::move(rec));
    });
  }

  /// What read tokens prove, answered on the engine's thread (as a
  /// cluster node answers once the account's home has); unset, the
  /// default: nobody.
  std::function<outcome<std::string>(const std::string& token)> reader_proof;

  void prove_reader(const std::string& token,
                    reply<std::string> done) override {
    if (!reader_proof)
      return engine_core::prove_reader(token, std::move(done));
    defer([this, token, done = std::move(done)] { done(reader_proof(token)); });
  }

  void dead_letters(uint32_t limit,
                    reply<std::vector<intent_record>> done) override {
    defer([this, limit, done = std::move(done)] {
      std::vector<intent_record> out;
      {
        std::lock_guard<std::mutex> lock(mu_);
        for (auto& id : order_)
          if (records_[id].dead_letter && out.size() < limit)
            out.push_back(records_[id]);
      }
      done(std::move(out));
    });
  }

  void purge_dead_letter(const std::string& id,
                         reply<intent_record> done) override {
    defer([this, id, done = std::move(done)] {
      outcome<intent_record> r = problem{errc::not_found, "no such intent", {}};
      {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = records_.find(id);
        if (it != records_.end() && !it->second.dead_letter)
          r = problem{errc::conflict, "not a dead letter", {}};
        else if (it != records_.end()) {
          r = it->second;
          records_.erase(it);
        }
      }
      done(std::move(r));
    });
  }

  void retry_dead_letter(const std::string& id,
                         reply<intent_record> done) override {
    defer([this, id, done = std::move(done)] {
      done(mutate(id, [](intent_record& r) -> std::optional<problem> {
        if (!r.dead_letter)
          return problem{errc::conflict, "not a dead letter", {}};
        r.dead_letter = false;
        r.status = intent_status::pending;
        return std::nullopt;
      }));
    });
  }

  /// True when the key is new to the account; a key of another account
  /// is refused as foreign_key.
  void register_key(const std::string& account, const std::string& key,
                    reply<bool> done) override {
    defer([this, account, key, done = std::move(done)] {
      std::unique_lock<std::mutex> lock(mu_);
      auto [it, added] = keys_.emplace(key, account);
      bool foreign = it->second != account;
      lock.unlock();
      if (foreign)
        return done(problem{errc::foreign_key, "another account's key", {}});
      done(added);
    });
  }

  void solvers(reply<std::vector<solver_view>> done) override {
    defer([this, done = std::move(done)] {
      std::unique_lock<std::mutex> lock(mu_);
      auto list = solvers_;
      lock.unlock();
      done(std::move(list));
    });
  }

  void stop() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_)
        return;
      stopping_ = true;
    }
    cv_.notify_all();
    if (worker_.joinable())
      worker_.join();
  }

  // Test controls.
  void set_ready(bool ready) { ready_ = ready; }
  void fail_next_submit(problem p) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_next_ = std::move(p);
  }
  void hold(bool on) {
    std::lock_guard<std::mutex> lock(mu_);
    hold_ = on;
  }
  /// Waits until `n` answers are parked; false when `limit` passes first.
  bool wait_held(size_t n, std::chrono::milliseconds limit) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return held_.size() >= n; });
  }
  void release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      hold_ = false;
      for (auto& task : held_)
        queue_.push_back(std::move(task));
      held_.clear();
    }
    cv_.notify_all();
  }
  void set_solvers(std::vector<solver_view> list) {
    std::lock_guard<std::mutex> lock(mu_);
    solvers_ = std::move(list);
  }
  void with_record(const std::string& id,
                   const std::function<void(intent_record&)>& fn) {
    std::lock_guard<std::mutex> lock(mu_);
    fn(records_.at(id));
  }

private:
  static std::vector<token_spec> specs(const std::vector<cfg::token>& in) {
    std::vector<token_spec> out;
    out.reserve(in.size());
    for (auto& t : in)
      out.push_back({t.id, static_cast<uint8_t>(t.decimals), 1});
    return out;
  }

  void defer(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      (hold_ ? held_ : queue_).push_back(std::move(task));
    }
    cv_.notify_all();
  }

  void loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_)
        return;
      auto task = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      task();
      lock.lock();
    }
  }

  outcome<submit_result> do_submit(intent in, const std::string& digest) {
    std::lock_guard<std::mutex> lock(mu_);
    if (fail_next_) {
      auto p = std::move(*fail_next_);
      fail_next_.reset();
      return p;
    }
    if (in.id.empty())
      in.id = generate_intent_id();
    if (auto it = records_.find(in.id); it != records_.end()) {
      if (it->second.body_digest != digest)
        return problem{errc::conflict, "id reused with another body", {}};
      return submit_result{it->second, false};
    }
    intent_record rec;
    rec.request = std::move(in);
    rec.created_at = rec.updated_at = wall_clock_now();
    rec.history.push_back({intent_status::pending, rec.created_at});
    rec.status_message = status_message(rec.status, rec.request.action);
    rec.seq = 1;
    rec.body_digest = digest;
    order_.push_back(rec.request.id);
    records_[rec.request.id] = rec;
    return submit_result{rec, true};
  }

  outcome<intent_record> find(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = records_.find(id);
    if (it == records_.end())
      return problem{errc::not_found, "no intent " + id, {}};
    return it->second;
  }

  outcome<intent_record>
  mutate(const std::string& id,
         const std::function<std::optional<problem>(intent_record&)>& fn) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = records_.find(id);
    if (it == records_.end())
      return problem{errc::not_found, "no intent " + id, {}};
    if (auto p = fn(it->second))
      return *p;
    return it->second;
  }

  // Newest first; the cursor is the offset of the next page.
  outcome<record_page> do_list(const list_query& q) {
    std::lock_guard<std::mutex> lock(mu_);
    size_t offset = 0;
    if (!q.cursor.empty()) {
      if (q.cursor.find_first_not_of("0123456789") != std::string::npos)
        return problem{errc::bad_request, "bad cursor", {}};
      offset = std::stoul(q.cursor);
    }
    std::vector<const intent_record*> matches;
    for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
      auto& rec = records_[*it];
      if ((q.user.empty() || rec.request.user_account == q.user) &&
          (!q.status || rec.status == *q.status))
        matches.push_back(&rec);
    }
    record_page page;
    for (size_t i = offset; i < matches.size() && page.items.size() < q.limit;
         ++i)
      page.items.push_back(*matches[i]);
    if (offset + page.items.size() < matches.size())
      page.next_cursor = std::to_string(offset + page.items.size());
    return page;
  }

  cfg::config config_;
  token_registry tokens_;
  std::atomic<bool> ready_{true};
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::deque<std::function<void()>> held_;
  bool hold_ = false;
  bool stopping_ = false;
  std::optional<problem> fail_next_;
  std::map<std::string, intent_record> records_;
  std::map<std::string, std::string> keys_; // public key -> account
  std::vector<std::string> order_;
  std::vector<solver_view> solvers_{builtin_solver()};
  std::thread worker_;

  /// solver-1 with 4 attempts, 3 of them successes, 12.5 ms on average.
  static solver_view builtin_solver() {
    solver_view v;
    v.solver_id = "solver-1";
    v.attempts = 4;
    v.successes = 3;
    v.failures = 1;
    v.success_rate = 0.75;
    v.mean_execution_ms = 12.5;
    v.settled = 3;
    v.failed = 1;
    return v;
  }
};

} // namespace intentd::test
