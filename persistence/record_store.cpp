#include "persistence/record_store.hpp"

#include "persistence/logged_store.hpp"

namespace intentd {

record_store::~record_store() = default;

namespace {

/// The reads both stores answer alike, forwarded to `Store`.
template<class Store>
class forwarding_store : public record_store {
public:
  explicit forwarding_store(Store s) : store_(std::move(s)) {}

  outcome<done> put(const std::vector<intent_record>& records) override {
    return store_.put(records);
  }
  outcome<done> probe_write() override { return store_.probe_write(); }
  outcome<done>
  put_solver_stats(const std::vector<solver_stats>& stats) override {
    return store_.put_solver_stats(stats);
  }
  outcome<done> put_account_key(const std::string& account,
                                const std::string& raw_key) override {
    return store_.put_account_key(account, raw_key);
  }
  outcome<std::size_t> purge_terminal_before(time_us cutoff,
                                             std::size_t max_batch) override {
    return store_.purge_terminal_before(cutoff, max_batch);
  }
  outcome<bool> purge_dead_letter(const std::string& id) override {
    return store_.purge_dead_letter(id);
  }
  outcome<std::optional<intent_record>>
  find(const std::string& id) const override {
    return store_.find(id);
  }
  outcome<std::optional<std::string>>
  nonce_owner(const std::string& user, uint64_t nonce) const override {
    return store_.nonce_owner(user, nonce);
  }
  outcome<std::optional<std::string>>
  find_by_tx(const std::string& hash) const override {
    return store_.find_by_tx(hash);
  }
  outcome<record_page> list(const list_query& query) const override {
    return store_.list(query);
  }
  outcome<live_page> live_after(const std::string& after,
                                std::size_t limit) const override {
    return store_.live_after(after, limit);
  }
  outcome<std::vector<uint64_t>> count_by_status() const override {
    return store_.count_by_status();
  }
  outcome<std::vector<intent_record>>
  dead_letters(uint32_t limit) const override {
    return store_.dead_letters(limit);
  }
  outcome<uint64_t> dead_letter_count() const override {
    return store_.dead_letter_count();
  }
  outcome<std::vector<solver_stats>> load_solver_stats() const override {
    return store_.load_solver_stats();
  }
  outcome<std::vector<std::pair<std::string, std::string>>>
  load_account_keys() const override {
    return store_.load_account_keys();
  }

protected:
  Store store_;
};

class lmdb_store final : public forwarding_store<intent_store> {
public:
  using forwarding_store::forwarding_store;

  bool read_only() const override { return store_.read_only(); }
  write_path path() const override { return write_path::lmdb; }
  std::optional<write_log_figures> log_figures() const override {
    return std::nullopt;
  }
  outcome<done> close() override { return done{}; }
};

class log_store final : public forwarding_store<logged_store> {
public:
  using forwarding_store::forwarding_store;

  bool read_only() const override { return false; }
  write_path path() const override { return write_path::log; }
  std::optional<write_log_figures> log_figures() const override {
    auto state = store_.checkpointer_state();
    write_log_figures out;
    out.checkpoints = state.checkpoints;
    out.checkpoint_failures = state.failures;
    out.failures_in_row = state.failures_in_row;
    out.last_problem = std::move(state.last_problem);
    out.log_bytes = store_.logged_bytes();
    out.table_entries = store_.table_size();
    out.checkpoints_held = store_.checkpoints_held();
    return out;
  }
  void recovered() override { store_.release_checkpoints(); }
  outcome<done> close() override {
    store_.stop_checkpointer();
    auto ran = store_.checkpoint();
    if (!ran)
      return ran.error();
    return done{};
  }
};

} // namespace

std::shared_ptr<record_store> lmdb_record_store(intent_store store) {
  return std::make_shared<lmdb_store>(std::move(store));
}

outcome<record_store_opened> open_record_store(const store_options& opts,
                                               const write_path_options& wp) {
  record_store_opened out;
  if (wp.path == write_path::lmdb) {
    auto opened = intent_store::open(opts);
    if (!opened)
      return opened.error();
    out.store = lmdb_record_store(std::move(*opened));
    return out;
  }
  auto began = std::chrono::steady_clock::now();
  logged_store_options lo;
  lo.store = opts;
  lo.log.sync = opts.sync;
  // Retired segments are reused: an append's fdatasync then has no file
  // size change for ext4 to journal. Segments of 4 MB so that a store's
  // first two (new files, grown) are a small part of its writes, and a
  // start rereads less before the checkpoint (docs/durability.md,
  // "Recycled segments").
  lo.log.recycle = true;
  lo.log.segment_size = 4ull << 20;
  lo.checkpoint_interval = wp.checkpoint_interval;
  lo.checkpoint_records = wp.checkpoint_records;
  lo.checkpoint_log_bytes = wp.checkpoint_log_bytes;
  lo.checkpointer = true;
  lo.hold_checkpoints = true;
  auto opened = logged_store::open(lo);
  if (!opened)
    return opened.error();
  const auto& report = opened->open_report();
  out.replayed = report.log.replayed;
  out.table_size = report.table_size;
  out.torn_bytes = report.log.torn_bytes;
  out.store = std::make_shared<log_store>(std::move(*opened));
  out.took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - began);
  return out;
}

} // namespace intentd
