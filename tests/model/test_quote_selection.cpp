#include <doctest/doctest.h>

#include <vector>

#include "quote_helpers.hpp"
#include "runtime/model/quote_selection.hpp"

using namespace quote_test;

namespace {

/// A taken quote with amounts in base units, valid until t0 + `valid_s`.
accepted_quote quote(std::string solver, units output, units fee,
                     time_us valid_s = 60) {
  accepted_quote q;
  q.solver_id = std::move(solver);
  q.output_amount = output;
  q.fee = fee;
  q.valid_until = t0 + valid_s * sec;
  return q;
}

units wrap(units tenths) {
  return tenths * pow10(23);
}

} // namespace

TEST_CASE("no quote, no winner") {
  CHECK_FALSE(select_quote(swap_request(), {}, t0));
  CHECK_FALSE(select_quote(transfer_request(), {}, t0));
}

TEST_CASE("a swap goes to the highest output_amount, whatever the fee") {
  std::vector<accepted_quote> qs{quote("a", wrap(200), 0),
                                 quote("b", wrap(210), 50),
                                 quote("c", wrap(205), 0)};
  CHECK(select_quote(swap_request(), qs, t0) == 1u);
}

TEST_CASE("a swap tie goes to the earlier quote, even at a higher fee") {
  std::vector<accepted_quote> qs{
      quote("a", wrap(200), 0), quote("b", wrap(210), 90),
      quote("c", wrap(210), 0), quote("d", wrap(210), 0)};
  CHECK(select_quote(swap_request(), qs, t0) == 1u);
}

TEST_CASE("a swap winner may be the last quote") {
  std::vector<accepted_quote> qs{quote("a", wrap(200), 0),
                                 quote("b", wrap(200), 0),
                                 quote("c", wrap(200) + 1, 0)};
  CHECK(select_quote(swap_request(), qs, t0) == 2u);
}

TEST_CASE("a swap quote below the minimum never wins, one at it may") {
  auto r = swap_request(); // at least 19.5
  std::vector<accepted_quote> below{quote("a", wrap(195) - 1, 0)};
  CHECK_FALSE(select_quote(r, below, t0));
  std::vector<accepted_quote> qs{quote("a", wrap(195) - 1, 0),
                                 quote("b", wrap(195), 0)};
  CHECK(select_quote(r, qs, t0) == 1u);
}

TEST_CASE("a transfer or stake goes to the lowest fee, ties to the earlier") {
  for (auto action : {action_kind::transfer, action_kind::stake}) {
    auto r = transfer_request(action);
    std::vector<accepted_quote> qs{
        quote("a", 10'000'000, 30), quote("b", 10'000'000, 20),
        quote("c", 10'000'000, 20), quote("d", 10'000'000, 25)};
    CHECK(select_quote(r, qs, t0) == 1u);
    // A zero fee beats any other; the first of two zeros wins.
    qs.push_back(quote("e", 10'000'000, 0));
    qs.push_back(quote("f", 10'000'000, 0));
    CHECK(select_quote(r, qs, t0) == 4u);
  }
}

TEST_CASE("a transfer ignores output_amount, a swap ignores the fee") {
  std::vector<accepted_quote> qs{quote("a", 10'000'000, 5),
                                 quote("b", 20'000'000, 6)};
  CHECK(select_quote(transfer_request(), qs, t0) == 0u);
  std::vector<accepted_quote> swaps{quote("a", wrap(200), 1),
                                    quote("b", wrap(201), 1000)};
  CHECK(select_quote(swap_request(), swaps, t0) == 1u);
}

TEST_CASE("a quote is valid until just before its valid_until") {
  std::vector<accepted_quote> qs{quote("a", wrap(210), 0, 5),
                                 quote("b", wrap(200), 0, 60)};
  auto r = swap_request();
  CHECK(select_quote(r, qs, t0 + 5 * sec - 1) == 0u);
  CHECK(select_quote(r, qs, t0 + 5 * sec) == 1u);
  CHECK_FALSE(select_quote(r, qs, t0 + 60 * sec));
}

TEST_CASE("after a failed settlement the next best valid quote takes over") {
  auto r = swap_request();
  std::vector<accepted_quote> qs{
      quote("a", wrap(200), 0, 60), quote("b", wrap(230), 0, 60),
      quote("c", wrap(220), 0, 10), quote("d", wrap(220), 0, 60),
      quote("e", wrap(210), 0, 60)};
  std::vector<size_t> tried;
  auto first = select_quote(r, qs, t0, tried);
  REQUIRE(first == 1u);
  tried.push_back(*first);
  // c and d tie; c came first.
  CHECK(select_quote(r, qs, t0 + sec, tried) == 2u);
  // By the time b has failed, c has expired: d.
  auto next = select_quote(r, qs, t0 + 10 * sec, tried);
  REQUIRE(next == 3u);
  tried.push_back(*next);
  next = select_quote(r, qs, t0 + 10 * sec, tried);
  REQUIRE(next == 4u);
  tried.push_back(*next);
  next = select_quote(r, qs, t0 + 10 * sec, tried);
  REQUIRE(next == 0u);
  tried.push_back(*next);
  // Every quote tried or expired: the built-in solvers take the intent.
  CHECK_FALSE(select_quote(r, qs, t0 + 10 * sec, tried));
}

TEST_CASE("better_quote is strict both ways") {
  auto a = quote("a", wrap(200), 10);
  auto b = quote("b", wrap(200), 10);
  for (auto action :
       {action_kind::swap, action_kind::transfer, action_kind::stake}) {
    CHECK_FALSE(better_quote(action, a, b));
    CHECK_FALSE(better_quote(action, b, a));
  }
  b.output_amount += 1;
  b.fee += 1;
  CHECK(better_quote(action_kind::swap, b, a));
  CHECK_FALSE(better_quote(action_kind::swap, a, b));
  CHECK(better_quote(action_kind::transfer, a, b));
  CHECK_FALSE(better_quote(action_kind::transfer, b, a));
}
