#include "runtime/cluster/cluster_engine.hpp"

#include <algorithm>
#include <atomic>
#include <iterator>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include <caf/actor_companion.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <spdlog/spdlog.h>

#include "actors/chain_proxy.hpp"
#include "config/cluster.hpp"
#include "config/host_port.hpp"
#include "runtime/cluster/cluster_metrics.hpp"
#include "runtime/cluster/cluster_table.hpp"
#include "runtime/cluster/endpoint.hpp"
#include "runtime/cluster/membership.hpp"
#include "runtime/cluster/near_cache.hpp"
#include "runtime/cluster/owner_fallback.hpp"
#include "runtime/cluster/previous_owner.hpp"
#include "runtime/cluster/rate_homes.hpp"
#include "runtime/cluster/subscriptions.hpp"
#include "runtime/cluster/tcp_probe.hpp"
#include "runtime/engine/admission.hpp"
#include "runtime/metrics/engine_metrics.hpp"
#include "runtime/model/merged_listing.hpp"
#include "runtime/model/record_json.hpp"
#include "runtime/model/validation.hpp"

namespace intentd {

/// Work for the forwarder: a request to another node, sent from inside
/// the actor system on behalf of an HTTP thread.
struct forward_call {
  std::function<void(caf::event_based_actor*)> run;
};

} // namespace intentd

// Local only: the forwarder runs calls of this process's threads.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(intentd::forward_call)

namespace intentd {

namespace {

/// Runs forward calls; every `sweep_every` it calls `sweep` (forwarded
/// reads keep their own deadlines).
caf::behavior forwarder_impl(caf::event_based_actor* self,
                             std::chrono::milliseconds sweep_every,
                             std::function<void()> sweep) {
  self->delayed_send(self, sweep_every, tick_atom::value);
  return {
      [=](forward_call& call) { call.run(self); },
      [=](tick_atom) {
        sweep();
        self->delayed_send(self, sweep_every, tick_atom::value);
      },
  };
}

/// Takes the replies to forwarded reads on the thread that delivers them
/// (the middleman's). Terminated by `close`, as actor_companion::disconnect
/// would (declared by CAF 0.17.6 but not defined in its library).
class read_receiver final : public caf::actor_companion {
public:
  using caf::actor_companion::actor_companion;

  /// No reply is being handled once this returns, and none will be.
  void close() {
    on_enqueue({});
    cleanup(caf::exit_reason::user_shutdown, nullptr);
  }
};

read_receiver* receiver_of(const caf::actor& handle) {
  return static_cast<read_receiver*>(
      caf::actor_cast<caf::abstract_actor*>(handle));
}

class cluster_engine final : public engine_core {
public:
  cluster_engine(const cfg::config& c, const component_settings& settings);
  ~cluster_engine() override { stop(); }

  const token_registry& tokens() const override { return local_->tokens(); }
  const cfg::config& config() const override { return local_->config(); }

  void submit(intent in, std::string body_digest,
              reply<submit_result> done) override {
    submit(std::move(in), std::move(body_digest), nullptr, std::move(done));
  }

  void submit(intent in, std::string body_digest, submit_admission admit,
              reply<submit_result> done) override;

  void nonce_owner(const std::string& account, uint64_t nonce,
                   reply<std::optional<std::string>> done) override {
    local_->nonce_owner(account, nonce, std::move(done));
  }

  outcome<std::string> prove_reader(const std::string& token) const override {
    return local_->prove_reader(token);
  }
  /// The local engine asks the account's home (key_lookup_) for the keys
  /// its own do not prove the token with.
  void prove_reader(const std::string& token,
                    reply<std::string> done) override {
    local_->prove_reader(token, std::move(done));
  }

  void get(const std::string& id, reply<intent_record> done) override;
  void get_rendered(const std::string& id,
                    reply<rendered_record> done) override;
  void list(const list_query& query, reply<record_page> done) override;
  void find_by_tx(const std::string& hash, reply<intent_record> done) override;
  void cancel(const std::string& id, reply<intent_record> done) override {
    cancel(id, std::nullopt, std::move(done));
  }
  void cancel(const std::string& id, std::optional<cancel_auth> auth,
              reply<intent_record> done) override;
  /// Kept at the account's home node, where every node's signature
  /// checks look for the keys their own do not prove.
  void register_key(const std::string& account,
                    const std::string& public_key_hex,
                    reply<bool> done) override {
    auto home = table_->owner_of(account);
    if (home == table_->self_index())
      return local_->register_key(account, public_key_hex, std::move(done));
    forward<bool>(home, std::move(done), keys_atom::value, account,
                  public_key_hex);
  }
  void account_keys_of(const std::string& account,
                       reply<std::vector<std::string>> done) override {
    local_->account_keys_of(account, std::move(done));
  }
  void dead_letters(uint32_t limit,
                    reply<std::vector<intent_record>> done) override;
  void retry_dead_letter(const std::string& id,
                         reply<intent_record> done) override;
  void purge_dead_letter(const std::string& id,
                         reply<intent_record> done) override;
  void solvers(reply<std::vector<solver_view>> done) override;
  void cluster(reply<cluster_view> done) override {
    done(table_->view(own_live()));
  }

  std::unique_ptr<subscriber> subscribe(notice_handler on_notice) override {
    return subs_->attach(std::move(on_notice));
  }
  std::shared_ptr<rate_limiter> rate_limits() override {
    return local_->rate_limits();
  }
  void count_rate(rate_route route, rate_subject who, uint8_t keys,
                  std::function<void(rate_decision)> done) override;
  std::shared_ptr<status_cache> cache() override { return local_->cache(); }
  std::shared_ptr<solver_registry> solver_links() override {
    return local_->solver_links();
  }
  bool ready() const override { return local_->ready(); }
  std::optional<std::string> failure() const override {
    return local_->failure();
  }
  std::shared_ptr<engine_metrics> metrics() const override {
    return local_->metrics();
  }
  void readiness(std::function<void(std::vector<health_check>)> done) override;
  void stop() override;

private:
  using done_t = intentd::done;

  /// A submission whose nonce (if signed) is reserved: to its owner.
  void route_submit(intent in, std::string body_digest, submit_admission admit,
                    bool client_id, reply<submit_result> done);

  /// The stored intent that used `nonce` of `account` on any node: every
  /// node's nonces index; a node that cannot answer makes it a problem.
  void nonce_anywhere(const std::string& account, uint64_t nonce,
                      std::function<void(nonce_owner_outcome)> done) {
    gather<intentd::nonce_owner>(
        [this, account, nonce](reply<intentd::nonce_owner> one) {
          local_->nonce_owner(account, nonce,
                              [one](outcome<std::optional<std::string>> r) {
                                if (!r)
                                  return one(r.error());
                                one(intentd::nonce_owner{std::move(*r)});
                              });
        },
        [done = std::move(done)](answers<intentd::nonce_owner> all) {
          if (auto p = first_problem(all))
            return done(std::move(*p));
          for (auto& [node, r] : all)
            if (r->intent_id)
              return done(std::move(*r));
          done(intentd::nonce_owner{});
        },
        nonce_atom::value, account, nonce);
  }

  /// Counts `shares[next]` and the ones after it, stopping at the first
  /// refusal; `so_far` is what the earlier ones decided.
  void count_shares(rate_route route, std::shared_ptr<const rate_subject> who,
                    std::shared_ptr<const std::vector<rate_share>> shares,
                    std::size_t next, rate_decision so_far,
                    std::function<void(rate_decision)> done);

  uint64_t own_live() const {
    auto m = local_->metrics();
    return m ? static_cast<uint64_t>(m->live_intents().value()) : 0;
  }

  const std::string& name_of(std::size_t node) const {
    return table_->names()[node];
  }

  problem unavailable(std::size_t node, const std::string& why) const {
    return problem{errc::node_unavailable,
                   "Node " + name_of(node) + ", which this request needs, is " +
                       why + "; retry shortly.",
                   {}};
  }

  /// The record as `node` answered it, carrying its owner's name.
  static reply<intent_record> stamped(std::string node,
                                      reply<intent_record> done) {
    return [node = std::move(node),
            done = std::move(done)](outcome<intent_record> r) {
      if (r)
        r->node = node;
      done(std::move(r));
    };
  }

  /// A request by id: to the owner of `id`, and when the owner does not
  /// know it to the id's previous owner (cluster.previous_nodes), or to
  /// every other node without them (ask_owner_first: an intent stored
  /// before a node was added stays on its old owner). `ask` sends it to
  /// one node. A read passes `from_chain`, which tells the chain's word
  /// about the id (cache.chain_fallback) from a stored record: when the id
  /// moved (it has a previous owner other than its owner), the owner's
  /// chain word is passed over like its not_found, since the previous
  /// owner may hold the record, and stands when that holds none; without
  /// previous_nodes it stands at once (every node would ask the chain).
  template<class T>
  void by_id(const std::string& id,
             std::function<void(std::size_t, reply<T>)> ask, reply<T> done,
             no_intent_fn<T> from_chain = nullptr) {
    const auto owner = table_->owner_of(id);
    const auto previous = table_->previous_owner_of(id);
    if (!previous || *previous == owner)
      from_chain = nullptr;
    ask_owner_first<T>(owner, table_->holders_besides_owner(id), std::move(ask),
                       std::move(done), std::move(from_chain));
  }

  /// The node among `table_->holders_besides_owner(id)` that holds intent
  /// `id`, which its owner does not: not_found when none does, a problem
  /// when one that may hold it cannot be asked. For subscriptions.
  void holder_of(const std::string& id,
                 std::function<void(outcome<std::size_t>)> done) {
    ask_holders<std::size_t>(
        table_->holders_besides_owner(id),
        problem{errc::not_found, "No intent with id " + id + ".", {}},
        [this, id](std::size_t node, reply<std::size_t> one) {
          reply<intent_record> held = [node, one](outcome<intent_record> r) {
            if (!r)
              return one(r.error());
            if (chain_word(*r)) // not a record held there
              return one(problem{errc::not_found, "Not held.", {}});
            one(node);
          };
          if (node == table_->self_index())
            return local_->get(id, std::move(held));
          forward<intent_record>(node, std::move(held), get_atom::value, id);
        },
        std::move(done));
  }

  /// A submission this node owns, stored here (with `admit`, as
  /// engine_core::submit) unless its id moved here when a node was added
  /// and the id's previous owner holds it: then a resubmission of the same
  /// body is answered with the previous owner's record (200), another body
  /// with a conflict after the checks a submission here passes (409), as
  /// one node answers; a previous owner that cannot be asked refuses it
  /// (node_unavailable), never stores it here. `client_id`: the id is the
  /// client's (the server's own are new).
  void submit_owned(intent in, std::string body_digest, submit_admission admit,
                    bool client_id, reply<submit_result> done);

  /// by_id for a record, stamped with the node that answers: `local`
  /// serves it here, `xs...` is the message to another node's endpoint;
  /// `from_chain` as by_id's (reads).
  template<class Local, class... Ts>
  void record_by_id(const std::string& id, Local local,
                    reply<intent_record> done,
                    no_intent_fn<intent_record> from_chain, Ts... xs) {
    by_id<intent_record>(
        id,
        [this, local, xs...](std::size_t node, reply<intent_record> one) {
          auto stamp = stamped(name_of(node), std::move(one));
          if (node == table_->self_index())
            return local(std::move(stamp));
          forward<intent_record>(node, std::move(stamp), xs...);
        },
        std::move(done), std::move(from_chain));
  }

  /// Sends `xs...` to node `node`'s endpoint and hands its answer (an
  /// outcome of T) to `done`, exactly once; a node that is down, goes down
  /// while the request waits, or does not answer in
  /// cluster.forward_timeout_ms, is answered node_unavailable.
  /// Takes one of the max_in_flight_ slots for a call to `node`; when none
  /// is free, the overloaded problem to answer (counted as such).
  std::optional<problem> take_in_flight(std::size_t node) {
    if (in_flight_.fetch_add(1) < max_in_flight_)
      return std::nullopt;
    --in_flight_;
    cluster_metrics_.forwarded(node, forward_result::overloaded, 0);
    return problem{errc::overloaded,
                   "This node has too many requests forwarded to other "
                   "nodes in flight; retry shortly.",
                   {}};
  }

  template<class T, class... Ts>
  void forward(std::size_t node, reply<T> done, Ts... xs) {
    forward_within<T>(forward_timeout_, node, std::move(done), xs...);
  }

  /// `forward`, waiting at most `timeout` for the answer.
  template<class T, class... Ts>
  void forward_within(std::chrono::milliseconds timeout, std::size_t node,
                      reply<T> done, Ts... xs) {
    // This node's own endpoint too: the home of an account may be here.
    auto endpoint = node == table_->self_index()
                        ? std::optional<cluster_endpoint_actor>{endpoint_}
                        : table_->endpoint(node);
    if (!endpoint) {
      cluster_metrics_.forwarded(node, forward_result::unavailable, 0);
      return done(unavailable(node, "down"));
    }
    if (auto full = take_in_flight(node))
      return done(std::move(*full));
    // Whoever comes first answers: the node, the timeout, or its going down.
    auto token = waiting_.add(node, [this, node, done](problem p) {
      cluster_metrics_.forwarded(node,
                                 p.code == errc::overloaded
                                     ? forward_result::overloaded
                                     : forward_result::unavailable,
                                 0);
      done(std::move(p));
    });
    auto started = std::chrono::steady_clock::now();
    auto finish = [this, token, done, node, started](outcome<T> r,
                                                     forward_result how) {
      if (waiting_.take(token)) {
        --in_flight_;
        cluster_metrics_.forwarded(
            node, how,
            std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                          started)
                .count());
        done(std::move(r));
      }
    };
    auto name = name_of(node);
    forward_call call{[=, ep = *endpoint](caf::event_based_actor* self) {
      self->request(ep, timeout, xs...)
          .then(
              [=](outcome<T>& r) { finish(std::move(r), forward_result::ok); },
              [=](caf::error& err) {
                finish(problem{errc::node_unavailable,
                               "Node " + name +
                                   ", which this request needs, did not "
                                   "answer: " +
                                   caf::to_string(err) + "; retry shortly.",
                               {}},
                       forward_result_of(err));
              });
    }};
    caf::anon_send(forwarder_, std::move(call));
  }

  /// Forwarded requests waiting for their node, to be answered at once
  /// when it goes down.
  class waiting_calls {
  public:
    using fail_fn = std::function<void(problem)>;
    /// Takes the answer of a forwarded read (`forward_read`): the owner's
    /// outcome, or (null) the error CAF answered instead.
    using answer_fn = std::function<void(rendered_outcome*, const caf::error&)>;
    using clock = std::chrono::steady_clock;
    uint64_t add(std::size_t node, fail_fn fail, answer_fn answer = {},
                 clock::time_point deadline = clock::time_point::max()) {
      std::lock_guard<std::mutex> guard{mtx_};
      auto token = ++next_;
      calls_.emplace(token,
                     call{node, std::move(fail), std::move(answer), deadline});
      return token;
    }
    /// True for the first taker of `token`.
    bool take(uint64_t token) {
      std::lock_guard<std::mutex> guard{mtx_};
      return calls_.erase(token) > 0;
    }
    /// The answer function of `token` for its first taker (a call that
    /// has one: forwarded reads only).
    std::optional<answer_fn> take_answer(uint64_t token) {
      std::lock_guard<std::mutex> guard{mtx_};
      auto i = calls_.find(token);
      if (i == calls_.end() || !i->second.answer)
        return std::nullopt;
      auto answer = std::move(i->second.answer);
      calls_.erase(i);
      return answer;
    }
    /// The answer functions of `tokens` for their first takers, in order
    /// (none for a token taken already), under one lock.
    std::vector<std::optional<answer_fn>>
    take_answers(const std::vector<uint64_t>& tokens) {
      std::vector<std::optional<answer_fn>> out;
      out.reserve(tokens.size());
      std::lock_guard<std::mutex> guard{mtx_};
      for (auto token : tokens) {
        auto i = calls_.find(token);
        if (i == calls_.end() || !i->second.answer) {
          out.emplace_back();
          continue;
        }
        out.emplace_back(std::move(i->second.answer));
        calls_.erase(i);
      }
      return out;
    }
    /// The failure function of `token` for its first taker.
    std::optional<fail_fn> take_fail(uint64_t token) {
      std::lock_guard<std::mutex> guard{mtx_};
      auto i = calls_.find(token);
      if (i == calls_.end())
        return std::nullopt;
      auto fail = std::move(i->second.fail);
      calls_.erase(i);
      return fail;
    }
    /// Takes every call waiting for `node`.
    std::vector<fail_fn> take_node(std::size_t node) {
      std::vector<fail_fn> out;
      take_if([node](const call& c) { return c.node == node; },
              [&out](call& c) { out.push_back(std::move(c.fail)); });
      return out;
    }
    /// Takes the answer functions of the calls whose deadline passed.
    std::vector<answer_fn> take_expired(clock::time_point now) {
      std::vector<answer_fn> out;
      take_if([now](const call& c) { return c.deadline <= now; },
              [&out](call& c) { out.push_back(std::move(c.answer)); });
      return out;
    }

  private:
    struct call {
      std::size_t node;
      fail_fn fail;
      answer_fn answer;
      clock::time_point deadline;
    };
    template<class Pred, class Take>
    void take_if(Pred pred, Take take) {
      std::lock_guard<std::mutex> guard{mtx_};
      for (auto i = calls_.begin(); i != calls_.end();) {
        if (pred(i->second)) {
          take(i->second);
          i = calls_.erase(i);
        } else {
          ++i;
        }
      }
    }
    std::mutex mtx_;
    uint64_t next_ = 0;
    std::unordered_map<uint64_t, call> calls_;
  };

  /// A read by id at another node, sent on the middleman's thread with
  /// the other reads of that node waiting to go (send_reads), its answer
  /// taken by `reader_` on the middleman's thread: no hop through this
  /// node's actors or its clock. Answers like `forward`: the owner's
  /// answer, or node_unavailable when the node is down, goes down while
  /// the read waits, or does not answer in cluster.forward_timeout_ms (a
  /// tenth more at most: the forwarder sweeps).
  void forward_read(std::size_t node, const std::string& id,
                    reply<rendered_reply> done);

  /// A reply to a forwarded read, on whatever thread brought it: one
  /// read's response, or a read_batch_reply.
  void read_answered(caf::mailbox_element_ptr reply);

  /// Sends the reads waiting in `batches_`, each node's in read_batch
  /// messages, on the middleman's thread: the reads that arrived until it
  /// runs go together; their answers go to `reader`.
  void send_reads(const caf::strong_actor_ptr& reader);

  /// Answers the forwarded reads whose deadline passed as CAF answers a
  /// request that timed out.
  void sweep_reads() {
    auto expired = waiting_.take_expired(waiting_calls::clock::now());
    if (expired.empty())
      return;
    auto timed_out = caf::make_error(caf::sec::request_timeout);
    for (auto& answer : expired)
      answer(nullptr, timed_out);
  }

  void node_down(std::size_t node) {
    if (subs_)
      subs_->node_down(node);
    for (auto& fail : waiting_.take_node(node)) {
      --in_flight_;
      fail(unavailable(node, "down"));
    }
  }

  template<class T>
  using answers = std::vector<std::pair<std::size_t, outcome<T>>>;

  /// Asks every node — this one through `local`, the others with `xs...`
  /// — and hands all their answers to `done` once each has answered (or
  /// was found down, or timed out: node_unavailable).
  template<class T, class Local, class... Ts>
  void gather(Local local, std::function<void(answers<T>)> done, Ts... xs) {
    struct pending {
      std::mutex mtx;
      answers<T> got;
      std::size_t left = 0;
      std::function<void(answers<T>)> done;
    };
    auto st = std::make_shared<pending>();
    const auto n = table_->names().size();
    st->left = n;
    st->done = std::move(done);
    auto arrive = [st](std::size_t node, outcome<T> r) {
      std::unique_lock<std::mutex> guard{st->mtx};
      st->got.emplace_back(node, std::move(r));
      if (--st->left > 0)
        return;
      auto all = std::move(st->got);
      guard.unlock();
      std::sort(all.begin(), all.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      st->done(std::move(all));
    };
    for (std::size_t node = 0; node < n; ++node) {
      reply<T> one = [arrive, node](outcome<T> r) {
        arrive(node, std::move(r));
      };
      if (node == table_->self_index())
        local(std::move(one));
      else
        forward<T>(node, std::move(one), xs...);
    }
  }

  /// The first problem among `all`, if any.
  template<class T>
  static std::optional<problem> first_problem(const answers<T>& all) {
    for (const auto& [node, r] : all)
      if (!r)
        return r.error();
    return std::nullopt;
  }

  /// Where the local engine's chain proxy sends its calls, when another
  /// node hosts the chain; bound once this node's endpoint runs.
  std::shared_ptr<chain_link_slot> chain_link_ =
      std::make_shared<chain_link_slot>();
  /// Where the local engine looks up keys it does not hold: bound to the
  /// accounts' home nodes once this node's endpoint runs.
  std::shared_ptr<key_lookup_slot> key_lookup_ =
      std::make_shared<key_lookup_slot>();
  std::unique_ptr<engine_core> local_;
  std::shared_ptr<cluster_table> table_;
  /// Ended records other nodes own, as they answered reads by id.
  std::shared_ptr<near_cache> near_;
  cluster_metrics cluster_metrics_;
  std::chrono::milliseconds forward_timeout_;
  /// How long a count waits for a key's home before counting here.
  std::chrono::milliseconds rate_timeout_;
  uint32_t max_in_flight_;
  std::atomic<uint32_t> in_flight_{0};
  waiting_calls waiting_;
  caf::actor_system_config sys_cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  membership_actor membership_;
  cluster_endpoint_actor endpoint_;
  /// What other nodes call: endpoint_, with reads by id of cached records
  /// answered on the middleman's thread.
  std::unique_ptr<endpoint_front> front_;
  caf::actor forwarder_;
  caf::actor reader_; // a read_receiver: see forward_read
  /// Forwarded reads not sent yet, by node (at most max_in_flight_ in all:
  /// each holds a slot), and whether send_reads is on its way.
  struct read_batches {
    std::mutex mtx;
    std::vector<read_batch> by_node;
    bool posted = false;
  };
  read_batches batches_;
  std::unique_ptr<cluster_subscriptions> subs_;
  std::atomic<bool> stopped_{false};
};

cluster_hello hello_of(const cfg::cluster& c) {
  return cluster_hello{c.node, cfg::membership_digest(c), c.nodes,
                       cfg::resolved_chain_node(c)};
}

/// `settings`, with a proxy on `link` instead of a chain of its own when
/// another node hosts the chain, and keys looked up through `keys`.
component_settings with_chain(const cfg::config& c,
                              const component_settings& settings,
                              std::shared_ptr<chain_link_slot> link,
                              std::shared_ptr<key_lookup_slot> keys) {
  auto out = settings;
  out.key_lookup = std::move(keys);
  auto host = cfg::resolved_chain_node(c.cluster);
  if (host == c.cluster.node)
    return out;
  chain_proxy_options proxy;
  proxy.link = std::move(link);
  proxy.timeout = std::chrono::milliseconds{c.cluster.forward_timeout_ms};
  proxy.node = host;
  out.chain_proxy = std::move(proxy);
  return out;
}

cluster_engine::cluster_engine(const cfg::config& c,
                               const component_settings& settings)
    : local_(engine_core::start(
          c, with_chain(c, settings, chain_link_, key_lookup_))),
      table_(std::make_shared<cluster_table>(c.cluster)),
      near_(std::make_shared<near_cache>(
          c.cluster.near_cache_entries,
          std::chrono::milliseconds{c.cluster.near_cache_ttl_ms})),
      cluster_metrics_(local_->metrics(), table_,
                       [near = std::weak_ptr<const near_cache>{near_}] {
                         auto n = near.lock();
                         return n ? n->size() : std::size_t{0};
                       }),
      forward_timeout_(c.cluster.forward_timeout_ms),
      rate_timeout_(std::min<std::chrono::milliseconds>(
          forward_timeout_, std::chrono::milliseconds{1000})),
      max_in_flight_(c.server.max_in_flight) {
  const auto& cc = c.cluster;
  batches_.by_node.resize(table_->names().size());
  add_cluster_message_types(sys_cfg_);
  sys_cfg_.load<caf::io::middleman>();
  sys_cfg_.set("scheduler.max-threads", 2);
  // Workers that wait on a condition instead of polling with short sleeps:
  // a forward crosses this system's threads twice, and polling workers
  // spend the shared cores on wake-ups.
  sys_cfg_.set("scheduler.policy", caf::atom("sharing"));
  sys_cfg_.set("logger.console", caf::atom("none"));
  // Messages from other nodes are read and delivered on the middleman's
  // thread: a deserialization worker is one more thread to wake per
  // message, and a forwarded read's answer is small.
  sys_cfg_.set("middleman.workers", size_t{0});
  // BASP heartbeats close a link that stays silent; the membership's own
  // pings judge a node down well before that.
  sys_cfg_.set(
      "middleman.heartbeat-interval",
      caf::timespan{std::chrono::milliseconds{cc.heartbeat_interval_ms}});
  sys_cfg_.set("middleman.connection-timeout",
               caf::timespan{std::chrono::milliseconds{
                   std::max<uint64_t>(4ull * cc.node_timeout_ms, 10'000)}});
  sys_ = std::make_unique<caf::actor_system>(sys_cfg_);
  subs_ = std::make_unique<cluster_subscriptions>(
      *sys_, table_, *local_,
      [this](const std::string& id,
             std::function<void(outcome<std::size_t>)> done) {
        holder_of(id, std::move(done));
      });
  table_->on_down([this](std::size_t node) { node_down(node); });
  auto hello = hello_of(cc);
  membership_options mo;
  mo.hello = hello;
  mo.heartbeat = std::chrono::milliseconds{cc.heartbeat_interval_ms};
  mo.node_timeout = std::chrono::milliseconds{cc.node_timeout_ms};
  mo.probe = tcp_reachable;
  mo.on_heartbeat_miss = [this](std::size_t node) {
    cluster_metrics_.heartbeat_miss(node);
  };
  membership_ = spawn_membership(
      *sys_, table_,
      caf::actor_cast<caf::actor>(sys_->middleman().actor_handle()), mo);
  endpoint_options eo;
  eo.hello = hello;
  eo.live_intents = [this] { return own_live(); };
  eo.nonce_anywhere = [this](const std::string& account, uint64_t nonce,
                             std::function<void(nonce_owner_outcome)> done) {
    nonce_anywhere(account, nonce, std::move(done));
  };
  eo.reservation_ttl = 2 * forward_timeout_;
  // Only ids the client chose are forwarded: the server's are made here.
  eo.submit_owned = [this](intent in, std::string body_digest,
                           reply<submit_result> done) {
    submit_owned(std::move(in), std::move(body_digest), nullptr, true,
                 std::move(done));
  };
  endpoint_ = spawn_endpoint(*sys_, *local_, membership_, eo);
  front_ = std::make_unique<endpoint_front>(*sys_, *local_, endpoint_);
  forwarder_ =
      sys_->spawn(forwarder_impl,
                  std::max(std::chrono::milliseconds{1}, forward_timeout_ / 10),
                  [this] { sweep_reads(); });
  reader_ = sys_->spawn<read_receiver, caf::hidden>();
  receiver_of(reader_)->on_enqueue([this](caf::mailbox_element_ptr reply) {
    read_answered(std::move(reply));
  });
  auto listen = cfg::parse_host_port(cc.listen);
  auto port = sys_->middleman().publish(front_->handle(), listen.value.port,
                                        listen.value.host.c_str(), true);
  if (!port) {
    auto why = sys_->render(port.error());
    stop();
    throw std::runtime_error("cannot listen on cluster.listen " + cc.listen +
                             ": " + why);
  }
  caf::anon_send(membership_, publish_atom::value, front_->handle());
  key_lookup_->bind(
      [this](const std::string& account, key_lookup_slot::keys_reply done) {
        forward<account_key_set>(
            table_->owner_of(account),
            [done = std::move(done)](key_set_outcome r) {
              if (!r)
                return done(r.error());
              done(std::move(r->keys));
            },
            keys_atom::value, account);
      });
  if (auto host = cfg::resolved_chain_node(cc); host != cc.node) {
    const auto& names = table_->names();
    auto node = static_cast<std::size_t>(
        std::find(names.begin(), names.end(), host) - names.begin());
    chain_link_->bind(
        [this, node](chain_call call, std::function<void(chain_outcome)> done) {
          forward<chain_reply>(node, std::move(done), chain_atom::value,
                               std::move(call));
        });
  }
  spdlog::info("cluster: node {} of {} takes other nodes' calls at {}:{}",
               cc.node, cc.nodes.size(), listen.value.host, *port);
}

void cluster_engine::stop() {
  if (stopped_.exchange(true))
    return;
  // The local engine's chain calls find the chain's node unreachable now.
  chain_link_->bind(nullptr);
  key_lookup_->bind(nullptr);
  if (sys_) {
    subs_->stop();
    // Other nodes' calls reach nothing from now on (they see this node
    // leave), and none is being answered here once this returns.
    if (front_)
      front_->close();
    {
      caf::scoped_actor self{*sys_};
      auto reason = caf::exit_reason::user_shutdown;
      for (const auto& who :
           {caf::actor_cast<caf::actor>(membership_),
            caf::actor_cast<caf::actor>(endpoint_), forwarder_})
        if (who)
          self->send_exit(who, reason);
      for (const auto& who :
           {caf::actor_cast<caf::actor>(membership_),
            caf::actor_cast<caf::actor>(endpoint_), forwarder_})
        if (who)
          self->wait_for(who);
    }
    // Late answers to forwarded reads go nowhere from now on.
    if (reader_)
      receiver_of(reader_)->close();
    reader_ = caf::actor{};
    membership_ = nullptr;
    endpoint_ = nullptr;
    forwarder_ = caf::actor{};
    // Forwarded requests the forwarder left unanswered, answered now.
    for (std::size_t node = 0; node < table_->names().size(); ++node)
      for (auto& fail : waiting_.take_node(node)) {
        --in_flight_;
        fail(problem{errc::overloaded, "This node is stopping.", {}});
      }
    sys_->clock().cancel_all();
    sys_.reset();
  }
  if (local_)
    local_->stop();
}

void cluster_engine::submit(intent in, std::string body_digest,
                            submit_admission admit, reply<submit_result> done) {
  const auto self = table_->self_index();
  const bool client_id = !in.id.empty();
  if (in.id.empty()) {
    // An id this node owns, so that it is stored here without a hop.
    for (int tries = 0; tries < 256 && in.id.empty(); ++tries) {
      auto id = generate_intent_id();
      if (id.empty())
        break;
      if (table_->owner_of(id) == self)
        in.id = std::move(id);
    }
    if (in.id.empty())
      return done(problem{errc::internal,
                          "The server has no entropy for a fresh intent id; "
                          "retry, or send an id of your own.",
                          {}});
  }
  if (in.signature.empty())
    return route_submit(std::move(in), std::move(body_digest), std::move(admit),
                        client_id, std::move(done));
  // A signed intent's nonce is reserved at its account's home node first,
  // so that the account uses it once in the whole cluster.
  auto home = table_->owner_of(in.user_account);
  auto user = in.user_account;
  auto nonce = in.nonce;
  auto id = in.id;
  forward<done_t>(
      home,
      [this, in = std::move(in), body_digest = std::move(body_digest),
       admit = std::move(admit), client_id,
       done = std::move(done)](outcome<done_t> reserved) mutable {
        if (!reserved)
          return done(reserved.error());
        route_submit(std::move(in), std::move(body_digest), std::move(admit),
                     client_id, std::move(done));
      },
      reserve_atom::value, std::move(user), nonce, std::move(id));
}

void cluster_engine::route_submit(intent in, std::string body_digest,
                                  submit_admission admit, bool client_id,
                                  reply<submit_result> done) {
  const auto self = table_->self_index();
  auto owner = table_->owner_of(in.id);
  auto node = name_of(owner);
  // The owner's record, or its previous owner's (which names itself).
  auto stamp = [node, done = std::move(done)](outcome<submit_result> r) {
    if (r && r->record.node.empty())
      r->record.node = node;
    done(std::move(r));
  };
  if (owner == self)
    return submit_owned(std::move(in), std::move(body_digest), std::move(admit),
                        client_id, std::move(stamp));
  after_admission(
      admit, std::move(in), std::move(body_digest),
      [this, owner, stamp](intent in, std::string body_digest) {
        forward<submit_reply>(
            owner,
            [stamp](submit_outcome r) {
              if (!r)
                return stamp(r.error());
              stamp(submit_result{std::move(r->record), r->created});
            },
            submit_atom::value, std::move(in), std::move(body_digest));
      },
      stamp);
}

void cluster_engine::submit_owned(intent in, std::string body_digest,
                                  submit_admission admit, bool client_id,
                                  reply<submit_result> done) {
  auto previous = client_id ? table_->previous_owner_of(in.id) : std::nullopt;
  if (!previous || *previous == table_->self_index())
    return local_->submit(std::move(in), std::move(body_digest),
                          std::move(admit), std::move(done));
  auto held = std::make_shared<intent>(std::move(in));
  auto digest = body_digest;
  moved_id_calls calls;
  calls.read_here = [this, held](reply<intent_record> r) {
    local_->get(held->id, std::move(r));
  };
  calls.read_previous = [this, held, node = *previous](reply<intent_record> r) {
    forward<intent_record>(node, std::move(r), get_atom::value, held->id);
  };
  calls.store_here = [this, held, digest](submit_admission admit,
                                          reply<submit_result> answer) {
    local_->submit(std::move(*held), digest, std::move(admit),
                   std::move(answer));
  };
  submit_moved_id(name_of(*previous), std::move(body_digest), std::move(admit),
                  std::move(calls), std::move(done));
}

void cluster_engine::count_rate(rate_route route, rate_subject who,
                                uint8_t keys,
                                std::function<void(rate_decision)> done) {
  auto shares = std::make_shared<const std::vector<rate_share>>(rate_shares(
      keys, who, table_->self_index(),
      [this](const std::string& key) { return table_->owner_of(key); }));
  count_shares(route, std::make_shared<const rate_subject>(std::move(who)),
               std::move(shares), 0, rate_decision{}, std::move(done));
}

void cluster_engine::count_shares(
    rate_route route, std::shared_ptr<const rate_subject> who,
    std::shared_ptr<const std::vector<rate_share>> shares, std::size_t next,
    rate_decision so_far, std::function<void(rate_decision)> done) {
  if (next == shares->size() || (so_far.applied && !so_far.allowed))
    return done(so_far);
  const auto share = (*shares)[next];
  auto then = [this, route, who, shares, next, so_far,
               done = std::move(done)](rate_decision d) mutable {
    count_shares(route, std::move(who), std::move(shares), next + 1,
                 tighter(so_far, d), std::move(done));
  };
  if (share.node == table_->self_index())
    return local_->count_rate(route, *who, share.keys, std::move(then));
  // The keys' home counts them; when it cannot answer soon, this node
  // does, so that a lost node loosens the limits to per node, never lifts
  // them.
  forward_within<rate_decision>(
      rate_timeout_, share.node,
      [this, route, who, share, then](outcome<rate_decision> r) mutable {
        if (r)
          return then(*r);
        cluster_metrics_.rate_counted_here(share.node);
        spdlog::debug("cluster: rate limits of node {} counted here: {}",
                      name_of(share.node), r.error().message);
        local_->count_rate(route, *who, share.keys, std::move(then));
      },
      rate_atom::value, static_cast<uint8_t>(route), *who, share.keys);
}

void cluster_engine::get(const std::string& id, reply<intent_record> done) {
  record_by_id(
      id,
      [this, id](reply<intent_record> stamp) {
        local_->get(id, std::move(stamp));
      },
      std::move(done), chain_word, get_atom::value, id);
}

void cluster_engine::get_rendered(const std::string& id,
                                  reply<rendered_record> done) {
  // The owner's records carry its name from its cache on, so its kept
  // rendering is the answer, here and through any other node.
  const auto owner = table_->owner_of(id);
  // Kept renderings are served while their owner is up only: a lost node's
  // intents read 503 node_unavailable, all alike.
  if (owner != table_->self_index() && near_->enabled() &&
      table_->state(owner) != node_state::down) {
    auto kept = near_->find(id, near_cache::clock::now());
    cluster_metrics_.near_cache_read(kept.has_value());
    if (kept)
      return done(rendered_record{nullptr, std::move(kept->json),
                                  std::move(kept->user_account)});
  }
  // A node's answer, and whether it is the chain's word rather than a
  // record that node holds.
  struct read_answer {
    rendered_record read;
    bool from_chain = false;
  };
  by_id<read_answer>(
      id,
      [this, id, owner](std::size_t node, reply<read_answer> one) {
        if (node == table_->self_index())
          return local_->get_rendered(
              id, [one = std::move(one)](outcome<rendered_record> r) {
                if (!r)
                  return one(r.error());
                const bool from_chain = r->record && chain_word(*r->record);
                one(read_answer{std::move(*r), from_chain});
              });
        auto asked_at = near_cache::clock::now();
        forward_read(
            node, id,
            [this, id, asked_at, kept = node == owner,
             one = std::move(one)](rendered_outcome r) {
              if (!r)
                return one(r.error());
              auto json =
                  std::make_shared<const std::string>(std::move(r->json));
              // Only the owner's own answer from its record: an id
              // another node holds (stored before a node was added)
              // may be submitted to its owner anew, and the chain's
              // word stands only until a node that holds the record
              // answers.
              if (kept && !r->from_chain)
                near_->admit(id, near_cache::entry{json, r->user_account},
                             std::chrono::microseconds{r->stable_for_us},
                             asked_at);
              one(read_answer{rendered_record{nullptr, std::move(json),
                                              std::move(r->user_account)},
                              r->from_chain});
            });
      },
      [done = std::move(done)](outcome<read_answer> r) {
        if (!r)
          return done(r.error());
        done(std::move(r->read));
      },
      [](const read_answer& a) { return a.from_chain; });
}

void cluster_engine::forward_read(std::size_t node, const std::string& id,
                                  reply<rendered_reply> done) {
  // After stop() no read waits: its waiting calls were answered already,
  // and the actor system is going away.
  if (stopped_.load()) {
    cluster_metrics_.forwarded(node, forward_result::unavailable, 0);
    return done(
        unavailable(node, "not reachable from this node, which is stopping"));
  }
  auto endpoint = table_->endpoint(node);
  if (!endpoint) {
    cluster_metrics_.forwarded(node, forward_result::unavailable, 0);
    return done(unavailable(node, "down"));
  }
  if (auto full = take_in_flight(node))
    return done(std::move(*full));
  auto started = waiting_calls::clock::now();
  auto fail = [this, node, done](problem p) {
    cluster_metrics_.forwarded(node, forward_result::unavailable, 0);
    done(std::move(p));
  };
  auto answer = [this, node, done, started, name = name_of(node)](
                    rendered_outcome* r, const caf::error& err) {
    --in_flight_;
    auto took =
        std::chrono::duration<double>(waiting_calls::clock::now() - started)
            .count();
    if (r) {
      cluster_metrics_.forwarded(node, forward_result::ok, took);
      return done(std::move(*r));
    }
    cluster_metrics_.forwarded(node, forward_result_of(err), took);
    done(problem{errc::node_unavailable,
                 "Node " + name +
                     ", which this request needs, did not "
                     "answer: " +
                     caf::to_string(err) + "; retry shortly.",
                 {}});
  };
  auto token = waiting_.add(node, std::move(fail), std::move(answer),
                            started + forward_timeout_);
  // The token is the read's request id at the owner: its answer comes
  // back with it. The read goes with the others that arrive until the
  // middleman's thread takes them.
  bool post = false;
  {
    std::lock_guard<std::mutex> guard{batches_.mtx};
    auto& batch = batches_.by_node[node];
    batch.tokens.push_back(token);
    batch.ids.push_back(id);
    post = !std::exchange(batches_.posted, true);
  }
  // The reader as this thread sees it, as a single read took it: stop()
  // clears reader_ while the middleman's thread may still run.
  if (post)
    sys_->middleman().backend().post(
        [this, reader = caf::actor_cast<caf::strong_actor_ptr>(reader_)] {
          send_reads(reader);
        });
}

void cluster_engine::send_reads(const caf::strong_actor_ptr& reader) {
  std::vector<read_batch> taken;
  {
    std::lock_guard<std::mutex> guard{batches_.mtx};
    batches_.posted = false;
    taken.resize(batches_.by_node.size());
    taken.swap(batches_.by_node);
  }
  for (std::size_t node = 0; node < taken.size(); ++node) {
    auto& batch = taken[node];
    if (batch.tokens.empty())
      continue;
    auto endpoint = table_->endpoint(node);
    if (!endpoint || !reader) {
      // Gone down since the reads came: answered as when it was down.
      for (auto token : batch.tokens)
        if (auto fail = waiting_.take_fail(token)) {
          --in_flight_;
          (*fail)(unavailable(node, "down"));
        }
      continue;
    }
    auto ep = caf::actor_cast<caf::strong_actor_ptr>(*endpoint);
    const auto n = batch.tokens.size();
    for (std::size_t from = 0; from < n; from += max_read_batch) {
      auto to = std::min(n, from + max_read_batch);
      read_batch part;
      if (from == 0 && to == n) {
        part = std::move(batch);
      } else {
        part.tokens.assign(batch.tokens.begin() + from,
                           batch.tokens.begin() + to);
        part.ids.assign(std::make_move_iterator(batch.ids.begin() + from),
                        std::make_move_iterator(batch.ids.begin() + to));
      }
      ep->enqueue(reader, caf::make_message_id(),
                  caf::make_message(get_atom::value, rendered_atom::value,
                                    std::move(part)),
                  nullptr);
    }
  }
}

void cluster_engine::read_answered(caf::mailbox_element_ptr reply) {
  if (!reply)
    return;
  if (!reply->mid.is_response()) {
    if (!reply->content().match_elements<rendered_atom, read_batch_reply>())
      return;
    auto msg = reply->move_content_to_message();
    auto& batch = msg.get_mutable_as<read_batch_reply>(1);
    auto answers = waiting_.take_answers(batch.tokens);
    const auto n = std::min(answers.size(), batch.answers.size());
    for (std::size_t i = 0; i < n; ++i)
      if (answers[i]) // else failed already: timed out, or its node went down
        (*answers[i])(&batch.answers[i], caf::error{});
    // A reply short of answers (another build's bug): the reads it names
    // and does not answer are answered as a malformed reply, never left
    // waiting without their in-flight slots back.
    for (std::size_t i = n; i < answers.size(); ++i)
      if (answers[i])
        (*answers[i])(nullptr, caf::make_error(caf::sec::unexpected_response));
    return;
  }
  auto answer = waiting_.take_answer(reply->mid.request_id().integer_value());
  if (!answer)
    return; // failed already: timed out, or its node went down
  auto msg = reply->move_content_to_message();
  if (msg.match_elements<rendered_outcome>())
    return (*answer)(&msg.get_mutable_as<rendered_outcome>(0), caf::error{});
  (*answer)(nullptr, msg.match_elements<caf::error>()
                         ? msg.get_as<caf::error>(0)
                         : caf::error{});
}

void cluster_engine::cancel(const std::string& id,
                            std::optional<cancel_auth> auth,
                            reply<intent_record> done) {
  record_by_id(
      id,
      [this, id, auth](reply<intent_record> stamp) {
        local_->cancel(id, auth, std::move(stamp));
      },
      std::move(done), nullptr, cancel_atom::value, id, auth);
}

void cluster_engine::retry_dead_letter(const std::string& id,
                                       reply<intent_record> done) {
  record_by_id(
      id,
      [this, id](reply<intent_record> stamp) {
        local_->retry_dead_letter(id, std::move(stamp));
      },
      std::move(done), nullptr, retry_atom::value, id);
}

void cluster_engine::purge_dead_letter(const std::string& id,
                                       reply<intent_record> done) {
  record_by_id(
      id,
      [this, id](reply<intent_record> stamp) {
        local_->purge_dead_letter(id, std::move(stamp));
      },
      std::move(done), nullptr, purge_atom::value, id);
}

void cluster_engine::list(const list_query& query, reply<record_page> done) {
  auto from = decode_merged_cursor(query.cursor, table_->names());
  if (!from)
    return done(from.error());
  const auto n = table_->names().size();
  struct pending {
    std::mutex mtx;
    std::vector<node_page> pages;
    std::optional<problem> failed;
    std::size_t left = 0;
  };
  auto st = std::make_shared<pending>();
  auto asked = std::vector<std::size_t>{};
  for (std::size_t node = 0; node < n; ++node)
    if (!(*from)[name_of(node)].done)
      asked.push_back(node);
  if (asked.empty())
    return done(record_page{});
  st->left = asked.size();
  auto finish = [st, from = *from, limit = query.limit, done]() {
    if (st->failed)
      return done(std::move(*st->failed));
    auto merged = merge_pages(from, std::move(st->pages), limit);
    record_page page;
    for (auto& [node, rec] : merged.items) {
      rec.node = node;
      page.items.push_back(std::move(rec));
    }
    page.next_cursor = std::move(merged.next_cursor);
    done(std::move(page));
  };
  for (auto node : asked) {
    auto q = query;
    q.cursor = (*from)[name_of(node)].cursor;
    reply<record_page> one = [st, finish,
                              name = name_of(node)](outcome<record_page> r) {
      std::unique_lock<std::mutex> guard{st->mtx};
      if (!r) {
        if (!st->failed)
          st->failed = r.error();
      } else {
        st->pages.push_back(node_page{name, std::move(*r)});
      }
      if (--st->left > 0)
        return;
      guard.unlock();
      finish();
    };
    if (node == table_->self_index())
      local_->list(q, std::move(one));
    else
      forward<record_page>(node, std::move(one), list_atom::value, q);
  }
}

void cluster_engine::find_by_tx(const std::string& hash,
                                reply<intent_record> done) {
  // A transaction names no owner: every node is asked; the one that knows
  // it answers. Without it, a node that could not be asked may hold it.
  gather<intent_record>(
      [this, hash](reply<intent_record> one) {
        local_->find_by_tx(hash, std::move(one));
      },
      [this, hash, done = std::move(done)](answers<intent_record> all) {
        std::optional<problem> other;
        // A record a node holds before the chain's word of another (one
        // that lost the record since its index named it).
        std::optional<intent_record> word;
        for (auto& [node, r] : all) {
          if (r && !chain_word(*r)) {
            r->node = name_of(node);
            return done(std::move(r));
          }
          if (r) {
            if (!word) {
              word = std::move(*r);
              word->node = name_of(node);
            }
            continue;
          }
          if (r.error().code != errc::not_found && !other)
            other = r.error();
        }
        if (other)
          return done(std::move(*other));
        if (word)
          return done(std::move(*word));
        done(problem{
            errc::not_found, "No intent with transaction " + hash + ".", {}});
      },
      tx_atom::value, hash);
}

void cluster_engine::dead_letters(uint32_t limit,
                                  reply<std::vector<intent_record>> done) {
  using records = std::vector<intent_record>;
  gather<records>(
      [this, limit](reply<records> one) {
        local_->dead_letters(limit, std::move(one));
      },
      [this, limit, done = std::move(done)](answers<records> all) {
        if (auto p = first_problem(all))
          return done(std::move(*p));
        records out;
        for (auto& [node, r] : all)
          for (auto& rec : *r) {
            rec.node = name_of(node);
            out.push_back(std::move(rec));
          }
        // Oldest first across nodes, as on one node (by_time keys).
        std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
          return a.created_at != b.created_at ? a.created_at < b.created_at
                                              : a.request.id < b.request.id;
        });
        if (out.size() > limit)
          out.resize(limit);
        done(std::move(out));
      },
      dead_atom::value, limit);
}

void cluster_engine::solvers(reply<std::vector<solver_view>> done) {
  using views = std::vector<solver_view>;
  gather<views>([this](reply<views> one) { local_->solvers(std::move(one)); },
                [this, done = std::move(done)](answers<views> all) {
                  if (auto p = first_problem(all))
                    return done(std::move(*p));
                  views out;
                  for (auto& [node, r] : all)
                    for (auto& v : *r) {
                      v.node = name_of(node);
                      out.push_back(std::move(v));
                    }
                  done(std::move(out));
                },
                stats_atom::value);
}

void cluster_engine::readiness(
    std::function<void(std::vector<health_check>)> done) {
  auto view = table_->view(own_live());
  local_->readiness([view,
                     done = std::move(done)](std::vector<health_check> checks) {
    std::size_t up = 0;
    std::string down;
    for (const auto& m : view.nodes) {
      if (m.state != node_state::down)
        ++up;
      else
        down += (down.empty() ? "" : ", ") + m.name;
    }
    health_check c;
    c.name = "cluster";
    // A node cut off from every other serves only its own intents.
    c.ok = view.nodes.size() == 1 || up > 1;
    c.detail = std::to_string(up) + " of " + std::to_string(view.nodes.size()) +
               " nodes up" + (down.empty() ? "" : "; down: " + down);
    checks.push_back(std::move(c));
    done(std::move(checks));
  });
}

} // namespace

std::unique_ptr<engine_core>
start_cluster_node(const cfg::config& config,
                   const component_settings& settings) {
  return std::make_unique<cluster_engine>(config, settings);
}

} // namespace intentd
