#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "runtime/model/chain_adapter.hpp"
#include "runtime/model/chain_call.hpp"
#include "runtime/model/client_op.hpp"
#include "runtime/model/cluster_view.hpp"
#include "runtime/model/intent.hpp"
#include "runtime/model/listing.hpp"
#include "runtime/model/notice.hpp"
#include "runtime/model/problem.hpp"
#include "runtime/model/rate_limit.hpp"
#include "runtime/model/signature_check.hpp"
#include "runtime/model/solver_stats.hpp"
#include "runtime/model/tokens.hpp"

namespace intentd {

class engine_metrics;
struct component_settings;

/// One readiness check of /readyz.
struct health_check {
  std::string name; // "storage", "recovery", "chain"
  bool ok = false;
  std::string detail; // a sentence for an operator
};

class rate_limiter;
class solver_registry;
class status_cache;

struct submit_result {
  intent_record record;
  bool created = false; // false: an idempotent resubmission
};

/// Per-solver figures for GET /api/v1/solvers. A built-in solver's
/// executions are its attempts; an external solver's are its settlements
/// (attempts = settled + failed), and its quote counters are the auction's.
struct solver_view {
  std::string solver_id;
  uint64_t attempts = 0;
  uint64_t successes = 0;
  uint64_t failures = 0;
  double success_rate = 0; // successes / attempts, 0 when none
  double mean_execution_ms = 0;
  bool healthy = true; // false while skipped after failures
  std::string node;    // the cluster node it runs on; empty on a single node
  std::string kind = "builtin"; // "builtin" or "external"
  bool connected = true;        // built-in solvers always are
  uint64_t asked = 0;           // quote requests sent
  uint64_t answered = 0;        // requests answered within the window
  uint64_t valid = 0;           // quotes that passed the checks
  uint64_t won = 0;             // auctions won (assigned to settle)
  uint64_t settled = 0;         // built-in: successes
  uint64_t failed = 0;          // built-in: failures
  double mean_response_ms = 0;  // from request to quote; 0 for built-ins
  uint32_t consecutive_failures = 0;
  /// While an external solver rests after failed settlements, when its rest
  /// ends (microseconds since the epoch); 0 otherwise.
  time_us resting_until = 0;
  /// Refused quotes and frames by reason, only reasons that occurred.
  std::vector<std::pair<std::string, uint64_t>> rejected;
};

template<class T>
using reply = std::function<void(outcome<T>)>;

/// A record with its JSON as the HTTP API shows it (`render_record`).
struct rendered_record {
  /// Null when the rendering came from another node (a cluster engine
  /// forwards the owner's rendering, not its record).
  std::shared_ptr<const intent_record> record;
  std::shared_ptr<const std::string> json;
  /// The intent's account (record->request.user_account when there is a
  /// record): whose read limit a read by anyone else spends.
  std::string user_account;
};

/// Receives a subscriber's notices on an engine thread, in order; it must
/// not block (post to your own executor). Return false when you cannot keep
/// up: the engine then drops the subscriber and sends it nothing more.
using notice_handler = std::function<bool(const notice& n)>;

/// One subscriber (a WebSocket connection, an embedder's listener) and its
/// subscriptions. Each subscription is answered with a `subscribed` notice
/// (an intent's is followed by its current state) or an error notice; an
/// intent's updates arrive once per seq, in order, however many
/// subscriptions cover it. Destroying the handle unsubscribes everything;
/// a notice already being handed over may still arrive meanwhile.
class subscriber {
public:
  virtual ~subscriber() = default;
  virtual void subscribe(subscription_target target,
                         const std::string& key) = 0;
  virtual void unsubscribe(subscription_target target,
                           const std::string& key) = 0;
};

/// The engine's interface inside the tree: what the gateway, the daemon and
/// the public intentd::engine (include/intentd/engine.hpp) use. Every
/// call is asynchronous and thread-safe; the callback runs on an engine
/// thread exactly once (post it to your own executor).
class engine_core {
public:
  virtual ~engine_core() = default;

  /// Boots actors, opens storage, recovers live intents. Throws on failure.
  static std::unique_ptr<engine_core> start(const cfg::config& config);
  /// `start` on `chain` instead of the simulated chain. Signatures are then
  /// checked against the seeded keys and those registered over the API.
  static std::unique_ptr<engine_core>
  start(const cfg::config& config, std::unique_ptr<chain_adapter> chain);
  /// `start` with `settings`, which the caller mapped from `config` already
  /// (settings_of), on `chain` when one is given.
  static std::unique_ptr<engine_core>
  start(const cfg::config& config, const component_settings& settings,
        std::unique_ptr<chain_adapter> chain = nullptr);

  virtual const token_registry& tokens() const = 0;
  virtual const cfg::config& config() const = 0;

  /// `in` is validated; an empty id means the engine assigns one.
  virtual void submit(intent in, std::string body_digest,
                      reply<submit_result> done) = 0;

  /// The answer of a submit_admission: a problem refuses the submission
  /// with that problem, nullopt lets it go on. Called exactly once, on any
  /// thread.
  using admission_done = std::function<void(std::optional<problem>)>;

  /// Decides whether a submission may go on once its signature has been
  /// checked, answering `admission_done` (perhaps later, from another
  /// thread: the per-user budget may be counted on another node). Per-user
  /// rate limits live here, so that only a submission that passed the
  /// signature check spends its account's budget.
  using submit_admission = std::function<void(const intent&, admission_done)>;

  /// `submit`, calling `admit` after the signature check (a refused
  /// signature never reaches it) and before anything is stored. The
  /// default, for engines that check no signatures, admits first.
  virtual void submit(intent in, std::string body_digest,
                      submit_admission admit, reply<submit_result> done);

  /// The account a read token proves now (docs/security.md, "Read
  /// access"), or an `unauthorized` problem saying why it proves none.
  /// Synchronous and cheap: one ed25519 verification. The default keeps no
  /// keys and proves nobody.
  virtual outcome<std::string> prove_reader(const std::string& token) const {
    return problem{errc::unauthorized,
                   "This engine keeps no account keys to check a read "
                   "token with.",
                   {}};
  }
  /// prove_reader, answered through `done` exactly once, perhaps later
  /// and on another thread: a cluster node asks the account's home for
  /// the keys its own do not prove the token with (docs/cluster.md, "Keys
  /// across nodes"), and answers node_unavailable when the home cannot
  /// answer. The default answers prove_reader before it returns.
  virtual void prove_reader(const std::string& token, reply<std::string> done) {
    done(prove_reader(token));
  }
  virtual void get(const std::string& id, reply<intent_record> done) = 0;
  /// `get`, rendered; an engine may keep the rendering beside its cached
  /// record. The default renders every time.
  virtual void get_rendered(const std::string& id, reply<rendered_record> done);
  /// `get_rendered` from memory alone: the record and its rendering when
  /// this engine holds the record now, else nullopt (it reads no storage
  /// and waits for nothing). Thread-safe and cheap, so that any thread may
  /// ask; a caller that misses is expected to call get_rendered, which
  /// counts the miss. The default holds nothing.
  virtual std::optional<rendered_record> cached_rendered(const std::string&) {
    return std::nullopt;
  }
  virtual void list(const list_query& query, reply<record_page> done) = 0;
  virtual void find_by_tx(const std::string& hash,
                          reply<intent_record> done) = 0;
  virtual void cancel(const std::string& id, reply<intent_record> done) = 0;
  /// A cancellation with the owner's signature (`auth`), required when
  /// security.require_signatures is set.
  virtual void cancel(const std::string& id, std::optional<cancel_auth> auth,
                      reply<intent_record> done) {
    cancel(id, std::move(done));
  }
  /// Registers an ed25519 public key (hex) to an account on the ledger;
  /// true when it is new.
  virtual void register_key(const std::string& account,
                            const std::string& public_key_hex,
                            reply<bool> done) {
    done(problem{errc::not_found, "This engine keeps no account keys.", {}});
  }
  /// Every raw key registered to `account` here (seeded by the config or
  /// over the API); the default keeps no keys and says so.
  virtual void account_keys_of(const std::string& account,
                               reply<std::vector<std::string>> done) {
    (void)account;
    done(problem{errc::not_found, "This engine keeps no account keys.", {}});
  }
  virtual void dead_letters(uint32_t limit,
                            reply<std::vector<intent_record>> done) = 0;
  virtual void retry_dead_letter(const std::string& id,
                                 reply<intent_record> done) = 0;
  /// Removes a dead letter for good; answers the removed record.
  virtual void purge_dead_letter(const std::string& id,
                                 reply<intent_record> done) = 0;
  virtual void solvers(reply<std::vector<solver_view>> done) = 0;

  /// The stored intent that used `nonce` of `account`, if one did (the
  /// nonces index); the storage's problem when it cannot be read. The
  /// default keeps no nonces and says so.
  virtual void nonce_owner(const std::string& account, uint64_t nonce,
                           reply<std::optional<std::string>> done) {
    done(problem{errc::internal, "This engine keeps no nonces.", {}});
  }

  /// Runs a call of another node's chain proxy on this engine's chain
  /// (this node hosts the chain of a cluster, cluster.chain_node). The
  /// default hosts none and says so.
  virtual void chain(chain_call call, reply<chain_reply> done) {
    (void)call;
    done(
        problem{errc::not_found, "This engine hosts no chain for others.", {}});
  }

  /// The cluster as this node sees it (GET /api/v1/cluster); not_found on
  /// an engine that runs alone.
  virtual void cluster(reply<cluster_view> done) {
    done(problem{errc::not_found,
                 "This intentd runs as a single node: no cluster section is "
                 "configured.",
                 {}});
  }

  /// A new subscriber with no subscription yet; nullptr when this engine
  /// has no notifier.
  virtual std::unique_ptr<subscriber> subscribe(notice_handler on_notice) {
    return nullptr;
  }

  /// A subscriber to one intent (its current state, then every
  /// transition) or to every intent of one account (the current state of
  /// its live intents, then every transition).
  std::unique_ptr<subscriber> subscribe_to(subscription_target target,
                                           const std::string& key,
                                           notice_handler on_notice) {
    auto sub = subscribe(std::move(on_notice));
    if (sub)
      sub->subscribe(target, key);
    return sub;
  }

  /// The rate limits the gateway applies (null: the gateway builds its own
  /// from config()). Also where their counters are read.
  virtual std::shared_ptr<rate_limiter> rate_limits() { return nullptr; }

  /// Counts one request of `route` from `who` against the rules covering
  /// it whose key is in `keys`, and answers the decision (always one: a
  /// count that cannot be made where it belongs is made here). The
  /// default counts on rate_limits() and answers before it returns; with
  /// no rate limits it answers a decision that does not apply. A cluster
  /// node counts each key at its home node (docs/cluster.md, "Rate
  /// limits"). Exemptions are the caller's to decide.
  virtual void count_rate(rate_route route, rate_subject who, uint8_t keys,
                          std::function<void(rate_decision)> done);
  /// The status cache behind get() and its counters; null when none.
  virtual std::shared_ptr<status_cache> cache() { return nullptr; }
  /// The external solvers connected at /api/v1/solver-ws (null: the
  /// gateway builds a registry of its own from config()).
  virtual std::shared_ptr<solver_registry> solver_links() { return nullptr; }

  /// True once storage is open and recovery has finished.
  virtual bool ready() const = 0;

  /// Every readiness check with its detail; /readyz is 200 only when all
  /// pass. The default reports ready() alone.
  virtual void readiness(std::function<void(std::vector<health_check>)> done) {
    done({health_check{"engine", ready(),
                       ready() ? "ready" : "starting or stopping"}});
  }

  /// Why the engine cannot go on (its recovery could not read a live
  /// intent), once that happened; the daemon then stops with status 1.
  virtual std::optional<std::string> failure() const { return std::nullopt; }

  /// The engine's metrics; null when it keeps none.
  virtual std::shared_ptr<engine_metrics> metrics() const { return nullptr; }

  /// Stops every actor and closes storage; idempotent.
  virtual void stop() = 0;
};

} // namespace intentd
