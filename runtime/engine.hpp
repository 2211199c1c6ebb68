#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "persistence/intent_store.hpp"
#include "runtime/model/intent.hpp"
#include "runtime/model/problem.hpp"
#include "runtime/model/tokens.hpp"

namespace intentd {

class rate_limiter;
class status_cache;

struct submit_result {
  intent_record record;
  bool created = false; // false: an idempotent resubmission
};

/// Per-solver figures for GET /api/v1/solvers.
struct solver_view {
  std::string solver_id;
  uint64_t attempts = 0;
  uint64_t successes = 0;
  uint64_t failures = 0;
  double success_rate = 0; // successes / attempts, 0 when none
  double mean_execution_ms = 0;
  bool healthy = true; // false while skipped after failures
};

template<class T>
using reply = std::function<void(outcome<T>)>;

/// The engine facade: what the gateway, the daemon and embedders use. Every
/// call is asynchronous and thread-safe; the callback runs on an engine
/// thread exactly once (post it to your own executor).
class engine {
public:
  virtual ~engine() = default;

  /// Boots actors, opens storage, recovers live intents. Throws on failure.
  static std::unique_ptr<engine> start(const cfg::config& config);

  virtual const token_registry& tokens() const = 0;
  virtual const cfg::config& config() const = 0;

  /// `in` is validated; an empty id means the engine assigns one.
  virtual void submit(intent in, std::string body_digest,
                      reply<submit_result> done) = 0;
  virtual void get(const std::string& id, reply<intent_record> done) = 0;
  virtual void list(const list_query& query, reply<record_page> done) = 0;
  virtual void find_by_tx(const std::string& hash,
                          reply<intent_record> done) = 0;
  virtual void cancel(const std::string& id, reply<intent_record> done) = 0;
  virtual void dead_letters(uint32_t limit,
                            reply<std::vector<intent_record>> done) = 0;
  virtual void retry_dead_letter(const std::string& id,
                                 reply<intent_record> done) = 0;
  /// Removes a dead letter for good; answers the removed record.
  virtual void purge_dead_letter(const std::string& id,
                                 reply<intent_record> done) = 0;
  virtual void solvers(reply<std::vector<solver_view>> done) = 0;

  /// The rate limits the gateway applies (null: the gateway builds its own
  /// from config()). Also where their counters are read.
  virtual std::shared_ptr<rate_limiter> rate_limits() { return nullptr; }
  /// The status cache behind get() and its counters; null when none.
  virtual std::shared_ptr<status_cache> cache() { return nullptr; }

  /// True once storage is open and recovery has finished.
  virtual bool ready() const = 0;

  /// Stops every actor and closes storage; idempotent.
  virtual void stop() = 0;
};

} // namespace intentd
