// The cost of render_record, the text the read path sends for a record: a
// completed swap (four history entries, one transaction) and a pending
// transfer, rendered in turn.
//
//   render_bench [--records N=2000000] [--rounds R=5]
//
// Prints, for each round, the nanoseconds per record and the bytes written;
// the best round is the figure to compare (the others carry the noise of a
// shared machine).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "runtime/model/record_json.hpp"

using namespace intentd;

namespace {

constexpr time_us t0 = 1'795'338'000ll * 1'000'000;

intent_record completed_swap() {
  intent_record rec;
  intent& in = rec.request;
  in.id = "0b7e9c52-3f1a-4d2e-9a51-7c3f0e8d2a61";
  in.user_account = "alice.near";
  in.action = action_kind::swap;
  in.input_token = "usdc.near";
  in.input_amount = 100'500'000;
  in.output_token = "wrap.near";
  in.min_output_amount = 19 * pow10(24) + 5 * pow10(23);
  in.max_slippage_bps = 50;
  in.expires_at = t0 + 3'900'000'000;
  in.nonce = 7;
  in.signature = std::string(128, 'a');
  in.public_key = std::string(64, 'b');
  rec.status = intent_status::completed;
  rec.created_at = t0;
  rec.updated_at = t0 + 1'250'000;
  rec.history = {{intent_status::pending, t0},
                 {intent_status::verified, t0 + 250'000},
                 {intent_status::executing, t0 + 500'000},
                 {intent_status::completed, t0 + 1'250'017}};
  rec.execution.solver_id = "solver-1";
  rec.execution.attempts = 1;
  rec.execution.transactions = {
      {"0x" + std::string(64, 'c'), "simulated", "success"}};
  rec.execution.gas_used = 30'000;
  rec.execution.total_cost = 30'000;
  rec.execution.output_amount = 201 * pow10(23);
  rec.seq = 4;
  return rec;
}

intent_record pending_transfer() {
  intent_record rec;
  intent& in = rec.request;
  in.id = "5d1c0a7e-8b44-4f0c-b3a2-1e9f6d7c8b90";
  in.user_account = "bob.near";
  in.action = action_kind::transfer;
  in.input_token = "usdc.near";
  in.input_amount = 5'000'000;
  in.recipient = "carol.near";
  in.expires_at = t0 + 3'900'000'000;
  in.nonce = 12;
  rec.created_at = t0;
  rec.updated_at = t0;
  rec.history = {{intent_status::pending, t0}};
  rec.seq = 1;
  return rec;
}

long arg(int argc, char** argv, std::string_view name, long fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name)
      return std::atol(argv[i + 1]);
  return fallback;
}

} // namespace

int main(int argc, char** argv) {
  long records = arg(argc, argv, "--records", 2'000'000);
  long rounds = arg(argc, argv, "--rounds", 5);
  token_registry tokens(
      {{"usdc.near", 6, pow10(9)}, {"wrap.near", 24, 5 * pow10(9)}});
  const intent_record recs[] = {completed_swap(), pending_transfer()};
  double best = 0;
  for (long r = 0; r < rounds; ++r) {
    size_t bytes = 0;
    auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < records; ++i)
      bytes += render_record(recs[i & 1], tokens).size();
    std::chrono::duration<double, std::nano> took =
        std::chrono::steady_clock::now() - start;
    double per = took.count() / static_cast<double>(records);
    if (r == 0 || per < best)
      best = per;
    std::printf("round %ld: %.1f ns/record, %zu bytes\n", r, per, bytes);
  }
  std::printf("best: %.1f ns/record\n", best);
  return 0;
}
