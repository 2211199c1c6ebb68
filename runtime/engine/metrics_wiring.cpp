#include "runtime/engine/metrics_wiring.hpp"

#include <sys/statvfs.h>

namespace intentd {

void observe_commits(writer_options& opts, std::shared_ptr<engine_metrics> m,
                     std::shared_ptr<commit_health> health) {
  // With a probe, only the probe says the storage is writable again: a
  // commit that fits into free pages of a full disk does not.
  bool probed = static_cast<bool>(opts.probe);
  opts.on_commit = [m, health, probed](std::chrono::nanoseconds took,
                                       size_t records, bool ok) {
    m->commit(std::chrono::duration<double>(took).count(), records);
    if (!ok) {
      health->last_ok = false;
      ++health->failures;
    } else if (!probed) {
      health->last_ok = true;
      health->failures = 0;
    }
  };
  opts.on_probe = [health](bool ok) {
    health->last_ok = ok;
    if (ok)
      health->failures = 0;
  };
}

void observe_solvers(solver_pool_options& opts,
                     std::shared_ptr<engine_metrics> m) {
  opts.on_execution = [m](const std::string& id, action_kind action,
                          std::chrono::microseconds took) {
    m->execution(id, action, std::chrono::duration<double>(took).count());
  };
  opts.on_stats = [m](const solver_stats& s) {
    m->solver_totals(s.solver_id, s.attempts, s.successes,
                     s.total_execution_us);
  };
}

void observe_auction(auction_options& opts, std::shared_ptr<engine_metrics> m) {
  for (const auto& s : opts.solvers)
    m->external_solver(s.solver_id);
  auto& o = opts.observer;
  o.asked = [m](const std::string& id) { m->quote_asked(id); };
  o.answered = [m](const std::string& id, double seconds) {
    m->quote_answered(id, seconds);
  };
  o.valid = [m](const std::string& id) { m->quote_valid(id); };
  o.rejected = [m](const std::string& id, const std::string& reason) {
    m->quote_rejected(id, reason);
  };
  o.won = [m](const std::string& id) { m->quote_won(id); };
  o.settlement = [m](const external_solver_report& after,
                     std::optional<action_kind> action, bool ok,
                     double seconds) {
    const auto& id = after.solver_id;
    m->settlement(id, ok);
    if (action)
      m->execution(id, *action, seconds);
    m->solver_figures(id, after.success_rate, after.mean_settlement_ms / 1e3);
    if (after.resting_until > 0)
      m->resting_until(id, static_cast<double>(after.resting_until) / 1e6);
  };
}

void observe_directory(directory_options& opts, const engine_metrics& m) {
  opts.on_live_count = [gauge = m.live_intents()](size_t live) mutable {
    gauge.set(static_cast<double>(live));
  };
}

transition_hook observe_transitions(std::shared_ptr<engine_metrics> m,
                                    transition_hook next) {
  return [m, next = std::move(next)](const intent_record& stored,
                                     uint64_t previous_seq) {
    if (next)
      next(stored, previous_seq);
    m->transition(stored, previous_seq);
  };
}

namespace {

/// Moves a counter up to `total`, a count kept elsewhere that only grows.
void catch_up(metrics::counter c, uint64_t total) {
  auto behind = static_cast<double>(total) - c.value();
  if (behind > 0)
    c.inc(behind);
}

} // namespace

void observe_store(engine_metrics& m, std::weak_ptr<const record_store> store) {
  m.registry().on_collect([&m, store] {
    // A count that cannot be read leaves its gauge at its last value.
    if (auto s = store.lock()) {
      if (auto counts = s->count_by_status())
        m.set_by_status(*counts);
      if (auto dead = s->dead_letter_count())
        m.set_dead_letters(*dead);
    }
  });
  if (auto opened = store.lock(); !opened || opened->path() != write_path::log)
    return;
  auto& r = m.registry();
  auto checkpoints =
      r.add_counter("storage_checkpoints_total",
                    "Checkpoints of the write log into LMDB that wrote "
                    "something.")
          .get();
  auto failures = r.add_counter("storage_checkpoint_failures_total",
                                "Checkpoints of the write log that failed.")
                      .get();
  auto bytes = r.add_counter("storage_log_bytes_total",
                             "Bytes appended to the write log.")
                   .get();
  auto entries =
      r.add_gauge("storage_log_table_entries",
                  "Intents written since the last checkpoint (the live "
                  "table over LMDB).")
          .get();
  r.on_collect([=]() mutable {
    auto live = store.lock();
    if (!live)
      return;
    auto f = live->log_figures();
    if (!f)
      return;
    catch_up(checkpoints, f->checkpoints);
    catch_up(failures, f->checkpoint_failures);
    catch_up(bytes, f->log_bytes);
    entries.set(static_cast<double>(f->table_entries));
  });
}

void observe_chain_journal(
    engine_metrics& m, std::shared_ptr<const chain_journal_monitor> journal) {
  auto& r = m.registry();
  auto checkpoints =
      r.add_counter("chain_journal_checkpoints_total",
                    "Checkpoints of the chain journal's log into LMDB that "
                    "wrote something.")
          .get();
  auto failures =
      r.add_counter("chain_journal_checkpoint_failures_total",
                    "Checkpoints of the chain journal's log that failed.")
          .get();
  auto bytes = r.add_counter("chain_journal_log_bytes_total",
                             "Bytes appended to the chain journal's log.")
                   .get();
  auto entries = r.add_gauge("chain_journal_overlay_entries",
                             "Chain events and descriptions held in memory "
                             "until a checkpoint writes them into LMDB.")
                     .get();
  auto refused = r.add_counter("chain_journal_refused_total",
                               "Chain events refused because too many "
                               "waited for a checkpoint.")
                     .get();
  r.on_collect([=]() mutable {
    auto state = journal->checkpoints.stats();
    catch_up(checkpoints, state.checkpoints);
    catch_up(failures, state.failures);
    catch_up(bytes, journal->log_bytes);
    catch_up(refused, journal->refused);
    entries.set(static_cast<double>(journal->pending_entries()));
  });
}

void observe_edge(engine_metrics& m, std::weak_ptr<const rate_limiter> limiter,
                  std::weak_ptr<const status_cache> cache) {
  m.registry().on_collect([&m, limiter, cache] {
    if (auto l = limiter.lock())
      for (const auto& [rule, n] : l->limited_counts())
        catch_up(m.rate_limited(rule), n);
    if (auto c = cache.lock())
      for (const auto& row : c->counts())
        catch_up(
            m.cache_request(row.level, std::string_view{row.result} == "hit"),
            row.value);
  });
}

std::function<write_outcome()>
storage_probe(std::shared_ptr<record_store> store, std::string path,
              uint64_t min_free_bytes) {
  return [store = std::move(store), path = std::move(path),
          min_free_bytes]() -> write_outcome {
    auto written = store->probe_write();
    if (!written)
      return written;
    struct statvfs fs {};
    if (statvfs(path.c_str(), &fs) == 0 &&
        static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize < min_free_bytes)
      return problem{errc::storage_unavailable,
                     "disk full: less than " +
                         std::to_string(min_free_bytes >> 20) +
                         " MiB free for the storage in " + path,
                     {}};
    return written;
  };
}

health_check storage_check(const record_store* store, const commit_health& h,
                           const std::string& path) {
  if (!store)
    return {"storage", false, "storage is closed"};
  if (store->read_only())
    return {"storage", false,
            "storage at " + path +
                " is read-only: reads are served, no "
                "intent is accepted"};
  if (!h.last_ok)
    return {"storage", false,
            std::to_string(h.failures.load()) +
                " storage commits failed in a row; writes are retried and "
                "new intents refused until one succeeds"};
  if (auto f = store->log_figures(); f && f->failures_in_row > 0)
    return {"storage", false,
            std::to_string(f->failures_in_row) +
                " checkpoints of the write log into LMDB failed in a row" +
                (f->last_problem ? " (" + f->last_problem->message + ")"
                                 : std::string{}) +
                "; they are retried, and the log keeps every write and "
                "grows until one succeeds"};
  if (!h.chain_ok)
    return {"storage", false,
            "the chain cannot store its block under " + path +
                "/chain; it retries, and new intents are refused until it "
                "succeeds"};
  return {"storage", true, "storage at " + path + " is open for writes"};
}

health_check chain_check(const std::string& which,
                         const chain_journal_monitor* journal) {
  if (journal == nullptr)
    return {"chain", true, which + " answers"};
  auto state = journal->checkpoints.stats();
  if (state.failures_in_row == 0)
    return {"chain", true, which + " answers"};
  std::string detail =
      which + " answers, but " + std::to_string(state.failures_in_row) +
      " checkpoints of its journal's log into LMDB failed in a row" +
      (state.last_problem ? " (" + state.last_problem->message + ")"
                          : std::string{}) +
      "; they are retried with growing pauses, and the log keeps every "
      "block until one succeeds";
  if (journal->refusing)
    detail += "; " + std::to_string(journal->pending_entries()) +
              " events wait for a checkpoint, past the journal's bound: new "
              "blocks are refused until one succeeds";
  return {"chain", false, detail};
}

std::string submit_status(const outcome<submit_result>& r) {
  if (!r)
    return to_string(r.error().code);
  return r->created ? "accepted" : "duplicate";
}

} // namespace intentd
