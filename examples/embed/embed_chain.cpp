// An engine on a chain of this program's own: a fixed-price ledger in
// memory that logs every call. It submits two swaps and a transfer for
// alice.near, waits until the three are completed, prints the ledger and
// exits 0 when the adapter saw each intent verified and executed once.
//
//   embed_chain [STORAGE_DIR]
//
// The ledger forgets everything when the program ends, so each run starts
// on fresh storage: an adapter for a real chain answers execution_of() and
// state_of() from the chain itself, which is how the engine recovers
// executing intents after a crash.
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include <unistd.h>

#include <intentd/engine.hpp>

namespace {

namespace chain = intentd::chain;

/// Balances as whole-token doubles (enough for an example), prices fixed.
class fixed_price_ledger final : public chain::adapter {
public:
  chain::verify_result verify(const chain::intent& in) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++verifies;
    log("verify", in);
    auto amount = std::stod(in.input_amount);
    auto& balance = balance_of(in.user_account, in.input_token);
    if (balance < amount)
      return {chain::fault::insufficient_funds};
    balance -= amount;
    reserved_[in.id] = amount;
    states_[in.id] = chain::intent_state::reserved;
    return {};
  }

  chain::execute_result execute(const chain::intent& in,
                                const std::string& solver_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++executes;
    log("execute by " + solver_id, in);
    chain::execute_result out;
    if (executions_.count(in.id)) {
      out.fault = chain::fault::already_executed;
      return out;
    }
    if (!reserved_.count(in.id)) {
      out.fault = chain::fault::not_verified;
      return out;
    }
    auto amount = reserved_[in.id];
    out.tx_hash = "0xledger" + std::to_string(++height_);
    out.gas_used = 21'000;
    out.total_cost = "0";
    if (in.action == "swap") {
      double received = amount * price(in.input_token) / price(in.output_token);
      if (received < std::stod(in.min_output_amount)) {
        out.fault = chain::fault::slippage;
        return out;
      }
      balance_of(in.user_account, in.output_token) += received;
      out.output_amount = six_decimals(received);
    } else {
      balance_of(in.recipient, in.input_token) += amount;
    }
    reserved_.erase(in.id);
    states_[in.id] = chain::intent_state::executed;
    executions_[in.id] = {out.tx_hash, out.gas_used, "0", "0"};
    txs_[out.tx_hash] = {out.tx_hash, in.id, "success", height_};
    return out;
  }

  void release(const std::string& intent_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    reserved_.erase(intent_id);
    states_[intent_id] = chain::intent_state::released;
  }

  chain::intent_state state_of(const std::string& intent_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = states_.find(intent_id);
    return it == states_.end() ? chain::intent_state::unknown : it->second;
  }

  std::optional<chain::execution>
  execution_of(const std::string& intent_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = executions_.find(intent_id);
    if (it == executions_.end())
      return std::nullopt;
    return it->second;
  }

  std::optional<chain::transaction>
  transaction_of(const std::string& hash) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = txs_.find(hash);
    if (it == txs_.end())
      return std::nullopt;
    return it->second;
  }

  void print_balances(const std::string& account) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [token, balance] : balances_[account])
      std::cout << "  " << account << " " << token << ": "
                << six_decimals(balance) << "\n";
  }

  std::atomic<int> verifies{0};
  std::atomic<int> executes{0};

private:
  static double price(const std::string& token) {
    return token == "wrap.near" ? 5.0 : 1.0;
  }

  static std::string six_decimals(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6f", std::floor(v * 1e6) / 1e6);
    return buf;
  }

  double& balance_of(const std::string& account, const std::string& token) {
    auto& tokens = balances_[account];
    auto it = tokens.find(token);
    if (it == tokens.end())
      it = tokens.emplace(token, 1000.0).first; // every account starts here
    return it->second;
  }

  static void log(const std::string& call, const chain::intent& in) {
    std::cout << "  ledger: " << call << " " << in.id << " (" << in.action
              << " " << in.input_amount << " " << in.input_token << ")\n";
  }

  std::mutex mu_;
  uint64_t height_ = 0;
  std::map<std::string, std::map<std::string, double>> balances_;
  std::map<std::string, double> reserved_;
  std::map<std::string, chain::intent_state> states_;
  std::map<std::string, chain::execution> executions_;
  std::map<std::string, chain::transaction> txs_;
};

} // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  bool own_dir = argc < 2;
  fs::path dir = own_dir ? fs::temp_directory_path() /
                               ("intentd-chain-" + std::to_string(::getpid()))
                         : fs::path{argv[1]};
  intentd::set_log_sink(
      [](intentd::log_level, const std::string& line) {
        std::cerr << "[intentd] " << line << "\n";
      },
      intentd::log_level::warn);

  intentd::config cfg;
  if (auto set = cfg.set("storage.path", dir.string()); !set) {
    std::cerr << "embed_chain: " << set.err().message << "\n";
    return 1;
  }
  auto ledger = std::make_shared<fixed_price_ledger>();
  intentd::engine_options opts;
  opts.chain = ledger;
  auto engine = intentd::engine::start(cfg, opts);
  if (!engine) {
    std::cerr << "embed_chain: " << engine.err().message << "\n";
    return 1;
  }

  std::mutex mu;
  std::condition_variable changed;
  std::set<std::string> completed;
  std::set<std::string> others;
  auto sub = (*engine)->subscribe_account(
      "alice.near", [&](const intentd::notification& n) {
        if (n.kind != "update")
          return;
        std::lock_guard<std::mutex> lock(mu);
        if (n.status == "completed")
          completed.insert(n.intent_id);
        else if (n.status == "failed" || n.status == "expired" ||
                 n.status == "cancelled")
          others.insert(n.intent_id);
        changed.notify_all();
      });
  if (!sub) {
    std::cerr << "embed_chain: " << sub.err().message << "\n";
    return 1;
  }

  std::vector<intentd::intent_request> requests(3);
  for (int i = 0; i < 2; ++i) {
    auto& r = requests[i];
    r.id = "ledger-swap-" + std::to_string(i + 1);
    r.user_account = "alice.near";
    r.input_token = "usdc.near";
    r.input_amount = i == 0 ? "50" : "25.5";
    r.output_token = "wrap.near";
    r.min_output_amount = "1";
  }
  auto& transfer = requests[2];
  transfer.id = "ledger-transfer-1";
  transfer.user_account = "alice.near";
  transfer.action = "transfer";
  transfer.input_token = "usdc.near";
  transfer.input_amount = "10";
  transfer.recipient = "bob.near";
  for (const auto& r : requests) {
    auto s = (*engine)->submit_wait(r);
    if (!s) {
      std::cerr << "embed_chain: " << r.id << ": " << s.err().message << "\n";
      return 1;
    }
  }

  bool done;
  {
    std::unique_lock<std::mutex> lock(mu);
    done = changed.wait_for(lock, std::chrono::seconds{30}, [&] {
      return completed.size() + others.size() == requests.size();
    });
  }
  (*sub).reset();
  (*engine)->stop();
  std::cout << "completed " << completed.size() << " of " << requests.size()
            << "; the ledger saw " << ledger->verifies << " verify and "
            << ledger->executes << " execute calls\n";
  ledger->print_balances("alice.near");
  ledger->print_balances("bob.near");
  if (own_dir)
    fs::remove_all(dir);
  bool ok = done && completed.size() == requests.size() &&
            ledger->verifies == 3 && ledger->executes == 3;
  return ok ? 0 : 1;
}
