#include "intentd/engine.hpp"

#include <atomic>
#include <future>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "config/host_port.hpp"
#include "runtime/daemon/startup_checks.hpp"
#include "runtime/embed/chain_bridge.hpp"
#include "runtime/embed/config_impl.hpp"
#include "runtime/embed/convert.hpp"
#include "runtime/engine/component_settings.hpp"
#include "runtime/http/server.hpp"
#include "runtime/metrics/engine_metrics.hpp"
#include "runtime/model/time.hpp"
#include "runtime/model/validation.hpp"

namespace intentd {

namespace {

/// The callbacks handed to the engine that have not run yet. stop() answers
/// each of them "engine_stopped" once the engine's threads are gone, so that
/// every callback runs exactly once and no blocking call waits forever.
class pending_calls {
public:
  uint64_t add(std::function<void()> abort) {
    std::lock_guard<std::mutex> lock(mu_);
    auto id = next_++;
    aborts_.emplace(id, std::move(abort));
    return id;
  }

  void remove(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    aborts_.erase(id);
  }

  void abort_all() {
    std::unordered_map<uint64_t, std::function<void()>> left;
    {
      std::lock_guard<std::mutex> lock(mu_);
      left.swap(aborts_);
    }
    for (auto& [id, abort] : left)
      abort();
  }

private:
  std::mutex mu_;
  uint64_t next_ = 0;
  std::unordered_map<uint64_t, std::function<void()>> aborts_;
};

template<class T>
struct once {
  std::atomic<bool> fired{false};
  engine::callback<T> fn;
};

/// Runs `fn` and keeps an exception of the embedder's callback from
/// unwinding through an engine thread.
template<class Fn>
void guarded(const char* what, Fn&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    spdlog::error("an embedder's {} threw: {}", what, e.what());
  } catch (...) {
    spdlog::error("an embedder's {} threw", what);
  }
}

class subscription_handle final : public subscription {
public:
  explicit subscription_handle(std::unique_ptr<subscriber> sub)
      : sub_(std::move(sub)) {}
  ~subscription_handle() override { cancel(); }
  void cancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    sub_.reset();
  }

private:
  std::mutex mu_;
  std::unique_ptr<subscriber> sub_;
};

template<class T>
result<T> wait_for(const std::function<void(engine::callback<T>)>& call) {
  auto promise = std::make_shared<std::promise<result<T>>>();
  auto future = promise->get_future();
  call([promise](result<T> r) { promise->set_value(std::move(r)); });
  return future.get();
}

} // namespace

struct engine::impl {
  cfg::config config;
  /// What a submission is validated against, as the gateway does.
  validation_limits limits;
  std::unique_ptr<engine_core> core;
  std::shared_ptr<pending_calls> pending = std::make_shared<pending_calls>();
  /// Held shared while a call is handed to the engine, exclusively to mark
  /// it stopped: no call reaches an engine being stopped.
  std::shared_mutex gate;
  bool stopped = false;
  std::mutex gateway_mu;
  std::unique_ptr<http_server> gateway;
  std::once_flag stop_once;

  /// `done` wrapped as the engine's reply: converted by `convert`, run at
  /// most once, and answered "engine_stopped" by stop() if the engine
  /// never answers.
  template<class T, class U, class Convert>
  std::function<void(outcome<U>)> track(callback<T> done, Convert convert) {
    auto state = std::make_shared<once<T>>();
    state->fn = std::move(done);
    auto id = pending->add([state] {
      if (!state->fired.exchange(true))
        guarded("callback", [&] { state->fn(embed::stopped_error()); });
    });
    return [state, id, calls = std::weak_ptr<pending_calls>(pending),
            convert = std::move(convert)](outcome<U> r) {
      if (state->fired.exchange(true))
        return;
      if (auto c = calls.lock())
        c->remove(id);
      guarded("callback", [&] {
        if (!r)
          state->fn(embed::to_error(r.error()));
        else
          state->fn(convert(std::move(*r)));
      });
    };
  }

  /// Runs `call` on the engine unless it is stopped; `done` gets
  /// "engine_stopped" then.
  template<class T, class Call>
  void dispatch(callback<T>& done, Call call) {
    std::shared_lock<std::shared_mutex> lock(gate);
    if (stopped) {
      lock.unlock();
      return guarded("callback", [&] { done(embed::stopped_error()); });
    }
    call();
  }

  const token_registry& tokens() const { return core->tokens(); }

  auto record_of() {
    return [this](const intent_record& rec) -> result<record> {
      return embed::to_public(rec, tokens());
    };
  }

  void stop() {
    std::call_once(stop_once, [this] {
      {
        std::unique_lock<std::shared_mutex> lock(gate);
        stopped = true;
      }
      {
        std::lock_guard<std::mutex> lock(gateway_mu);
        if (gateway)
          gateway->stop(
              std::chrono::milliseconds{config.server.shutdown_grace_ms});
        gateway.reset();
      }
      core->stop();
      pending->abort_all();
    });
  }
};

engine::engine(std::unique_ptr<impl> state) : impl_(std::move(state)) {}

engine::~engine() {
  if (impl_)
    impl_->stop();
}

result<std::unique_ptr<engine>> engine::start(const config& cfg,
                                              engine_options opts) {
  const auto& c = cfg.internals().value;
  auto problems = startup_config_problems(c);
  if (!problems.empty()) {
    error e{"invalid_config", {}, {}, 400};
    for (const auto& p : problems)
      e.message += (e.message.empty() ? "" : "; ") + p;
    return e;
  }
  log_startup_warnings(c);
  auto state = std::make_unique<impl>();
  state->config = c;
  try {
    auto settings = settings_of(c);
    state->limits = settings.limits;
    std::unique_ptr<chain_adapter> chain;
    if (opts.chain)
      chain = embed::adapt_chain(std::move(opts.chain), settings.tokens);
    state->core = engine_core::start(c, settings, std::move(chain));
  } catch (const std::exception& e) {
    return error{"storage_unavailable",
                 std::string{"cannot start the engine: "} + e.what(),
                 {},
                 503};
  }
  return std::unique_ptr<engine>(new engine(std::move(state)));
}

void engine::submit(const intent_request& in, callback<submitted> done) {
  submit_json(embed::submission_body(in), std::move(done));
}

void engine::submit_json(const std::string& body, callback<submitted> done) {
  auto& s = *impl_;
  s.dispatch(done, [&] {
    auto parsed = parse_intent(body, s.tokens(), s.limits, wall_clock_now());
    if (!parsed)
      return guarded("callback",
                     [&] { done(embed::to_error(parsed.error())); });
    s.core->submit(
        std::move(parsed->value), std::move(parsed->body_digest),
        s.track<submitted, submit_result>(
            std::move(done),
            [&tokens = s.tokens()](submit_result r) -> result<submitted> {
              return submitted{embed::to_public(r.record, tokens), r.created};
            }));
  });
}

void engine::get(const std::string& id, callback<record> done) {
  auto& s = *impl_;
  s.dispatch(done, [&] {
    s.core->get_rendered(
        id, s.track<record, rendered_record>(
                std::move(done),
                [&tokens = s.tokens()](rendered_record r) -> result<record> {
                  return embed::to_public(*r.record, *r.json, tokens);
                }));
  });
}

void engine::find_by_tx(const std::string& hash, callback<record> done) {
  auto& s = *impl_;
  s.dispatch(done, [&] {
    s.core->find_by_tx(
        hash, s.track<record, intent_record>(std::move(done), s.record_of()));
  });
}

void engine::list(const list_options& query, callback<page> done) {
  auto& s = *impl_;
  s.dispatch(done, [&] {
    list_query q;
    q.user = query.user;
    if (!query.status.empty()) {
      q.status = parse_status(query.status);
      if (!q.status)
        return guarded("callback", [&] {
          done(error{"bad_request",
                     "status must be one of pending, verified, executing, "
                     "completed, failed, expired, cancelled",
                     {{"status", "unknown status \"" + query.status + "\""}},
                     400});
        });
    }
    if (query.limit < 1 || query.limit > 1000)
      return guarded("callback", [&] {
        done(error{"bad_request",
                   "limit must be from 1 to 1000",
                   {{"limit", "out of range"}},
                   400});
      });
    q.limit = query.limit;
    q.cursor = query.cursor;
    s.core->list(q, s.track<page, record_page>(
                        std::move(done),
                        [&tokens = s.tokens()](record_page p) -> result<page> {
                          page out;
                          out.items.reserve(p.items.size());
                          for (const auto& r : p.items)
                            out.items.push_back(embed::to_public(r, tokens));
                          out.next_cursor = std::move(p.next_cursor);
                          return out;
                        }));
  });
}

void engine::cancel(const std::string& id, callback<record> done) {
  auto& s = *impl_;
  s.dispatch(done, [&] {
    s.core->cancel(
        id, s.track<record, intent_record>(std::move(done), s.record_of()));
  });
}

void engine::dead_letters(uint32_t limit, callback<std::vector<record>> done) {
  auto& s = *impl_;
  s.dispatch(done, [&] {
    s.core->dead_letters(
        limit, s.track<std::vector<record>, std::vector<intent_record>>(
                   std::move(done),
                   [&tokens = s.tokens()](std::vector<intent_record> recs)
                       -> result<std::vector<record>> {
                     std::vector<record> out;
                     out.reserve(recs.size());
                     for (const auto& r : recs)
                       out.push_back(embed::to_public(r, tokens));
                     return out;
                   }));
  });
}

void engine::retry_dead_letter(const std::string& id, callback<record> done) {
  auto& s = *impl_;
  s.dispatch(done, [&] {
    s.core->retry_dead_letter(
        id, s.track<record, intent_record>(std::move(done), s.record_of()));
  });
}

void engine::purge_dead_letter(const std::string& id, callback<record> done) {
  auto& s = *impl_;
  s.dispatch(done, [&] {
    s.core->purge_dead_letter(
        id, s.track<record, intent_record>(std::move(done), s.record_of()));
  });
}

void engine::solvers(callback<std::vector<solver_info>> done) {
  auto& s = *impl_;
  s.dispatch(done, [&] {
    s.core->solvers(s.track<std::vector<solver_info>, std::vector<solver_view>>(
        std::move(done),
        [](std::vector<solver_view> views) -> result<std::vector<solver_info>> {
          std::vector<solver_info> out;
          out.reserve(views.size());
          for (const auto& v : views)
            out.push_back(embed::to_public(v));
          return out;
        }));
  });
}

result<submitted> engine::submit_wait(const intent_request& in) {
  return wait_for<submitted>(
      [&](callback<submitted> done) { submit(in, std::move(done)); });
}

result<record> engine::get_wait(const std::string& id) {
  return wait_for<record>(
      [&](callback<record> done) { get(id, std::move(done)); });
}

result<page> engine::list_wait(const list_options& query) {
  return wait_for<page>(
      [&](callback<page> done) { list(query, std::move(done)); });
}

result<record> engine::cancel_wait(const std::string& id) {
  return wait_for<record>(
      [&](callback<record> done) { cancel(id, std::move(done)); });
}

result<std::vector<record>> engine::dead_letters_wait(uint32_t limit) {
  return wait_for<std::vector<record>>([&](callback<std::vector<record>> done) {
    dead_letters(limit, std::move(done));
  });
}

result<record> engine::retry_dead_letter_wait(const std::string& id) {
  return wait_for<record>(
      [&](callback<record> done) { retry_dead_letter(id, std::move(done)); });
}

result<std::vector<solver_info>> engine::solvers_wait() {
  return wait_for<std::vector<solver_info>>(
      [&](callback<std::vector<solver_info>> done) {
        solvers(std::move(done));
      });
}

namespace {

result<std::unique_ptr<subscription>>
subscribe(engine::impl& s, subscription_target target, const std::string& key,
          notification_handler on_notice) {
  std::shared_lock<std::shared_mutex> lock(s.gate);
  if (s.stopped)
    return embed::stopped_error();
  auto sub = s.core->subscribe([on_notice =
                                    std::move(on_notice)](const notice& n) {
    guarded("notification handler", [&] { on_notice(embed::to_public(n)); });
    return true;
  });
  if (!sub)
    return error{"internal", "This engine has no notifier.", {}, 500};
  sub->subscribe(target, key);
  return std::unique_ptr<subscription>(
      std::make_unique<subscription_handle>(std::move(sub)));
}

} // namespace

result<std::unique_ptr<subscription>>
engine::subscribe_intent(const std::string& id,
                         notification_handler on_notice) {
  return subscribe(*impl_, subscription_target::intent, id,
                   std::move(on_notice));
}

result<std::unique_ptr<subscription>>
engine::subscribe_account(const std::string& account,
                          notification_handler on_notice) {
  return subscribe(*impl_, subscription_target::user, account,
                   std::move(on_notice));
}

bool engine::ready() const {
  std::shared_lock<std::shared_mutex> lock(impl_->gate);
  return !impl_->stopped && impl_->core->ready();
}

std::string engine::metrics_text() const {
  std::shared_lock<std::shared_mutex> lock(impl_->gate);
  if (impl_->stopped)
    return {};
  auto m = impl_->core->metrics();
  return m ? m->expose() : std::string{};
}

result<uint16_t> engine::start_gateway(const std::string& listen) {
  auto& s = *impl_;
  std::shared_lock<std::shared_mutex> lock(s.gate);
  if (s.stopped)
    return embed::stopped_error();
  std::lock_guard<std::mutex> guard(s.gateway_mu);
  if (s.gateway)
    return error{
        "conflict", "The gateway of this engine is running already.", {}, 409};
  auto c = s.config;
  if (!listen.empty()) {
    auto parsed = cfg::parse_host_port(listen);
    if (!parsed.ok())
      return error{
          "invalid_config", parsed.error, {{"listen", parsed.error}}, 400};
    c.server.listen = listen;
  }
  try {
    auto server = std::make_unique<http_server>(*s.core, settings_of(c));
    server->start();
    auto port = server->port();
    s.gateway = std::move(server);
    return port;
  } catch (const std::exception& e) {
    return error{"listen_failed",
                 "cannot listen on " + c.server.listen + ": " + e.what(),
                 {},
                 503};
  }
}

void engine::stop() {
  impl_->stop();
}

bool record::is_final() const {
  return status == "completed" || status == "failed" || status == "expired" ||
         status == "cancelled";
}

} // namespace intentd
