#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "intentd/chain.hpp"
#include "intentd/config.hpp"
#include "intentd/error.hpp"
#include "intentd/log.hpp"
#include "intentd/version.hpp"

namespace intentd {

/// What a user asks for: the body of POST /api/v1/intents as a struct
/// (docs/api.md, "The intent"). The engine validates it exactly as the
/// HTTP API does, with the same errors.
struct intent_request {
  /// Empty: the engine makes one ("int_" + 36 hex digits).
  std::string id;
  std::string user_account;
  std::string action = "swap"; // "swap", "transfer" or "stake"
  std::string input_token;
  std::string input_amount;      // exact decimal in the token's units: "100"
  std::string output_token;      // swap
  std::string min_output_amount; // swap
  /// Swap: the slippage allowed, in percent (0 to 50) as a decimal string.
  std::string max_slippage;
  std::string recipient; // transfer: the receiver; stake: the pool
  /// Absent: now + validation.default_lifetime_s.
  std::optional<std::chrono::system_clock::time_point> expires_at;
  std::optional<uint64_t> nonce;
  std::string public_key; // hex ed25519, with `signature`
  std::string signature;  // hex, over the canonical message (security.md)
};

struct status_change {
  std::string status;
  std::chrono::system_clock::time_point at;
};

struct transaction {
  std::string hash;
  std::string chain;
  std::string status; // "success", "reverted", "failed", "pending"
};

/// The stored state of one intent, as GET /api/v1/intents/{id} shows it.
struct record {
  std::string id;
  std::string user_account;
  std::string action;
  std::string input_token;
  std::string input_amount;
  std::string output_token;
  std::string min_output_amount;
  std::string recipient;
  std::chrono::system_clock::time_point expires_at;
  /// "pending", "verified", "executing", "completed", "failed",
  /// "expired" or "cancelled".
  std::string status;
  std::string status_message; // a sentence for a person
  std::chrono::system_clock::time_point created_at;
  std::chrono::system_clock::time_point updated_at;
  std::vector<status_change> history;
  // Execution, once a solver held it.
  std::string solver_id;
  uint32_t attempts = 0;
  std::vector<transaction> transactions;
  std::string output_amount; // swap: what the user received
  // Set when failed, expired or cancelled.
  std::string error_code;
  std::string error_message;
  /// 1 for pending, +1 with every persisted transition.
  uint64_t seq = 0;
  bool dead_letter = false;
  /// The record as the HTTP API's JSON, byte for byte.
  std::string json;

  /// True for completed, failed, expired and cancelled.
  bool is_final() const;
};

struct submitted {
  intentd::record record;
  /// False when the same id and body had been submitted before: `record`
  /// is then its current state.
  bool created = false;
};

struct list_options {
  std::string user;    // empty: every user
  std::string status;  // empty: every status
  uint32_t limit = 50; // 1 to 1000
  std::string cursor;  // next_cursor of the previous page
};

struct page {
  std::vector<record> items; // newest first
  std::string next_cursor;   // empty on the last page
};

/// One solver as GET /api/v1/solvers shows it (docs/api.md, "Solvers"): a
/// built-in solver's attempts are its executions, an external solver's its
/// settlements (settled + failed), and the quote counters are an external
/// solver's only (0 for a built-in one).
struct solver_info {
  std::string solver_id;
  uint64_t attempts = 0;
  uint64_t successes = 0;
  uint64_t failures = 0;
  double success_rate = 0;
  double mean_execution_ms = 0;
  bool healthy = true;
  std::string kind = "builtin"; // "builtin" or "external"
  bool connected = true;        // an external solver: authenticated now
  /// While an external solver rests after failed settlements, when its rest
  /// ends.
  std::optional<std::chrono::system_clock::time_point> resting_until;
  uint32_t consecutive_failures = 0;
  uint64_t asked = 0;    // quote requests sent to it
  uint64_t answered = 0; // requests it quoted within the window
  uint64_t valid = 0;    // quotes that passed every check
  uint64_t won = 0;      // auctions won: settled (or tried) with its quote
  uint64_t settled = 0;
  uint64_t failed = 0;
  double mean_response_ms = 0; // from a request to its first quote
  /// Refused quotes and frames by reason code, only reasons that occurred.
  std::vector<std::pair<std::string, uint64_t>> rejected;
  std::string node; // in a cluster, the node it runs on
};

/// One message to a subscriber (the WebSocket API's events).
struct notification {
  /// "update" (a transition), "subscribed", "unsubscribed" or "error".
  std::string kind;
  std::string intent_id; // update
  std::string status;    // update: the new status
  std::string message;   // update: a sentence; error: what went wrong
  uint64_t seq = 0;      // update
  std::chrono::system_clock::time_point at; // update: when it happened
  std::string target; // subscribed, unsubscribed, error: intent or user
  std::string key;    // the intent id or the account
  std::string code;   // error: "not_found", "overloaded", ...
  /// The WebSocket frame of this message, as GET /api/v1/ws sends it.
  std::string json;
};

/// Receives a subscription's notifications in order, on an engine thread.
/// It must not block or call the engine's blocking calls: hand the
/// notification to your own thread if there is work to do.
using notification_handler = std::function<void(const notification&)>;

/// A live subscription; destroying it (or cancel()) stops the
/// notifications. A notification being handed over as it is destroyed may
/// still arrive.
class subscription {
public:
  virtual ~subscription() = default;
  virtual void cancel() = 0;
};

/// What an engine starts with beyond its config.
struct engine_options {
  /// A chain of your own instead of the simulated one; the engine owns it
  /// (shared only so that you may keep a handle for your own reads).
  std::shared_ptr<chain::adapter> chain;
};

/// The intentd engine in your process: the daemon without its HTTP
/// gateway (which you may start too). Threading: every asynchronous call
/// may be made from any thread, and its callback runs exactly once on an
/// engine thread: hand the result to your own thread rather than block
/// there. The blocking calls (`*_wait`) wait for that callback; never call
/// them from a callback or a notification handler.
///
/// Lifetime: stop() (or the destructor) stops every engine thread and
/// joins it before it returns; calls after it answer "engine_stopped".
/// Destroy the subscriptions before the engine.
class engine {
public:
  template<class T>
  using callback = std::function<void(result<T>)>;

  /// Opens storage, recovers live intents and starts the engine's threads.
  /// An error names why it cannot ("invalid_config" with the problems,
  /// "storage_unavailable" when another engine holds storage.path, ...).
  static result<std::unique_ptr<engine>> start(const config& cfg,
                                               engine_options opts = {});

  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  void submit(const intent_request& in, callback<submitted> done);
  /// The JSON body of POST /api/v1/intents.
  void submit_json(const std::string& body, callback<submitted> done);
  void get(const std::string& id, callback<record> done);
  void find_by_tx(const std::string& hash, callback<record> done);
  void list(const list_options& query, callback<page> done);
  void cancel(const std::string& id, callback<record> done);
  void dead_letters(uint32_t limit, callback<std::vector<record>> done);
  void retry_dead_letter(const std::string& id, callback<record> done);
  void purge_dead_letter(const std::string& id, callback<record> done);
  void solvers(callback<std::vector<solver_info>> done);

  result<submitted> submit_wait(const intent_request& in);
  result<record> get_wait(const std::string& id);
  result<page> list_wait(const list_options& query);
  result<record> cancel_wait(const std::string& id);
  result<std::vector<record>> dead_letters_wait(uint32_t limit);
  result<record> retry_dead_letter_wait(const std::string& id);
  result<std::vector<solver_info>> solvers_wait();

  /// An intent's current state, then each of its transitions in order.
  result<std::unique_ptr<subscription>>
  subscribe_intent(const std::string& id, notification_handler on_notice);
  /// Every intent of an account: the current state of its live intents,
  /// then each transition.
  result<std::unique_ptr<subscription>>
  subscribe_account(const std::string& account, notification_handler on_notice);

  /// True once storage is open and recovery has finished.
  bool ready() const;

  /// The Prometheus text (format 0.0.4) of this engine's metrics, as the
  /// daemon's GET /metrics shows them.
  std::string metrics_text() const;

  /// Starts the HTTP and WebSocket gateway of the daemon on this engine,
  /// listening on `listen` ("127.0.0.1:0" picks a free port; empty: the
  /// config's server.listen) with the config's server settings. Answers
  /// the bound port. Once per engine; stop() stops it first.
  result<uint16_t> start_gateway(const std::string& listen = {});

  /// Stops the gateway, every actor and thread, and closes storage;
  /// idempotent, and joins every engine thread before it returns.
  void stop();

  struct impl;

private:
  explicit engine(std::unique_ptr<impl> state);
  std::unique_ptr<impl> impl_;
};

} // namespace intentd
