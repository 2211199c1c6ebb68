// render_record writes a record's text by hand on the read path; DESIGN.md
// allows that only beside a test that it emits the library's bytes for the
// same value. These sweeps compare it with nlohmann's dump of to_json over
// every action and status, each optional field present and absent, and text
// that JSON must escape.

#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/model/record_json.hpp"

using namespace intentd;

namespace {

constexpr time_us t0 = 1'795'338'000ll * 1'000'000; // 2026-11-22T09:00:00Z

token_registry sweep_tokens() {
  return token_registry({
      {"usdc.near", 6, pow10(9)},
      {"wrap.near", 24, 5 * pow10(9)},
      {"whole.near", 0, pow10(9)},
      {"deep.near", 38, 1},
  });
}

/// Text for string fields: plain, quotes and backslashes, every control
/// character, DEL, UTF-8 of two, three and four bytes, bytes that are not
/// UTF-8 (nlohmann replaces them with U+FFFD), and each byte alone in plain
/// text.
std::vector<std::string> sweep_texts() {
  std::vector<std::string> out = {
      "",
      "alice.near",
      "quote\"back\\slash/solidus",
      "tab\tnew\nline\rreturn\bback\fform",
      std::string("nul\0inside", 10),
      "del\x7f",
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe4\xb8\xad\xe6\x96\x87",
      "broken \xff\xfe utf-8",
      "cut \xe2\x82",
      "lone \x80 continuation",
      "overlong \xc0\xaf",
      "surrogate \xed\xa0\x80",
  };
  std::string controls;
  for (int c = 0; c < 0x20; ++c)
    controls += static_cast<char>(c);
  out.push_back(controls);
  std::string every_byte;
  for (int c = 0; c < 0x100; ++c) {
    every_byte += static_cast<char>(c);
    out.push_back("byte " + std::string(1, static_cast<char>(c)) + " alone");
  }
  out.push_back(every_byte);
  return out;
}

/// Times whole, with fractions of every length, at the epoch and far out.
const time_us sweep_times[] = {
    0,
    t0,
    t0 + 100'000,
    t0 + 250'000,
    t0 + 1,
    t0 + 10,
    t0 + 123'456,
    t0 + 999'999,
    t0 + 86'399'000'001,
    253'402'300'799'999'999, // 9999-12-31T23:59:59.999999Z
};

/// Amounts from zero to the largest that units holds.
const units sweep_amounts[] = {
    0, 1, 5, 100'500'000, 19 * pow10(24) + 5 * pow10(23), pow10(38), ~units{0},
};

const char* const sweep_tokens_ids[] = {"usdc.near", "wrap.near", "whole.near",
                                        "deep.near", "unknown.near"};

template<class T, size_t N>
const T& pick(const T (&a)[N], size_t i) {
  return a[i % N];
}

template<class T>
const T& pick(const std::vector<T>& v, size_t i) {
  return v[i % v.size()];
}

/// A record of `action` and `status` with the optional parts that the bits
/// of `mask` choose and values that `i` picks from the sweep lists.
intent_record sweep_record(action_kind action, intent_status status,
                           unsigned mask, size_t i,
                           const std::vector<std::string>& texts) {
  intent_record rec;
  intent& in = rec.request;
  in.id = pick(texts, i);
  in.user_account = pick(texts, i + 1);
  in.action = action;
  in.input_token = pick(sweep_tokens_ids, i);
  in.input_amount = pick(sweep_amounts, i);
  in.output_token = pick(sweep_tokens_ids, i + 2);
  in.min_output_amount = pick(sweep_amounts, i + 3);
  in.max_slippage_bps = static_cast<uint32_t>((i * 37) % 5001);
  in.expires_at = pick(sweep_times, i + 4);
  in.nonce = i % 3 == 0 ? UINT64_MAX : i;
  if (mask & 1u)
    in.signature = pick(texts, i + 2);
  if (mask & 2u)
    in.public_key = pick(texts, i + 3);
  if (mask & 4u)
    in.recipient = pick(texts, i + 4);
  rec.status = status;
  if (mask & 8u)
    rec.status_message = pick(texts, i + 5);
  rec.created_at = pick(sweep_times, i);
  rec.updated_at = pick(sweep_times, i + 1);
  for (size_t h = 0; h < (i % 5); ++h)
    rec.history.push_back(
        {static_cast<intent_status>((i + h) % intent_status_count),
         pick(sweep_times, i + h)});
  auto& ex = rec.execution;
  if (mask & 16u)
    ex.solver_id = pick(texts, i + 6);
  ex.attempts = i % 4 == 0 ? UINT32_MAX : static_cast<uint32_t>(i % 4);
  if (mask & 32u)
    for (size_t t = 0; t < 1 + i % 3; ++t)
      ex.transactions.push_back(
          {pick(texts, i + t), pick(texts, i + t + 7), pick(texts, i + t + 8)});
  ex.gas_used = i % 2 == 0 ? UINT64_MAX : 30'000 * i;
  ex.total_cost = pick(sweep_amounts, i + 5);
  if (mask & 64u)
    ex.output_amount = pick(sweep_amounts, i + 6);
  ex.quotes = i % 5 == 0 ? UINT32_MAX : static_cast<uint32_t>(i % 5);
  if (mask & 128u)
    rec.error = intent_error{pick(texts, i + 9), pick(texts, i + 10)};
  rec.dead_letter = (mask & 256u) != 0;
  rec.seq = i % 7 == 0 ? UINT64_MAX : i;
  rec.body_digest = "not shown";
  return rec;
}

/// `s` of random bytes, mostly printable so that the plain path is taken
/// too, from a generator whose output the standard fixes.
std::string random_text(std::mt19937_64& gen) {
  std::string s(gen() % 24, ' ');
  for (auto& c : s) {
    auto r = gen();
    c = static_cast<char>(r % 4 == 0 ? (r >> 8) % 256 : 0x20 + (r >> 8) % 95);
  }
  return s;
}

} // namespace

TEST_CASE("render_record writes nlohmann's bytes for every action, status "
          "and optional field") {
  auto tokens = sweep_tokens();
  auto texts = sweep_texts();
  const action_kind actions[] = {action_kind::swap, action_kind::transfer,
                                 action_kind::stake};
  size_t checked = 0;
  size_t i = 0;
  for (auto action : actions)
    for (int s = 0; s < intent_status_count; ++s)
      for (unsigned mask = 0; mask < 512; ++mask, ++i) {
        auto rec =
            sweep_record(action, static_cast<intent_status>(s), mask, i, texts);
        auto want = dump_json(to_json(rec, tokens));
        auto got = render_record(rec, tokens);
        if (got != want) {
          CAPTURE(i);
          CAPTURE(mask);
          CHECK(got == want);
          return;
        }
        ++checked;
      }
  CHECK(checked == 3 * intent_status_count * 512);
}

TEST_CASE("render_record writes nlohmann's bytes for random text") {
  auto tokens = sweep_tokens();
  std::mt19937_64 gen{15};
  for (size_t i = 0; i < 4000; ++i) {
    std::vector<std::string> texts;
    texts.reserve(11);
    for (int t = 0; t < 11; ++t)
      texts.push_back(random_text(gen));
    auto action = static_cast<action_kind>(gen() % 3);
    auto status = static_cast<intent_status>(gen() % intent_status_count);
    auto mask = static_cast<unsigned>(gen() % 512);
    auto rec = sweep_record(action, status, mask, gen() % 1000, texts);
    rec.created_at = static_cast<time_us>(gen() % 253'402'300'800'000'000);
    auto want = dump_json(to_json(rec, tokens));
    auto got = render_record(rec, tokens);
    if (got != want) {
      CAPTURE(i);
      CHECK(got == want);
      return;
    }
  }
}

TEST_CASE("the rendered text of a record is the API shape") {
  // The sweeps hold the two writers to each other; this holds them to the
  // API: the text parses back to the value, keys in sorted order.
  auto tokens = sweep_tokens();
  auto texts = sweep_texts();
  auto rec =
      sweep_record(action_kind::swap, intent_status::completed, 511, 1, texts);
  auto text = render_record(rec, tokens);
  auto back = nlohmann::json::parse(text);
  CHECK(back["user_account"] == rec.request.user_account);
  CHECK(back["execution"]["transactions"].size() ==
        rec.execution.transactions.size());
  CHECK(back.dump() == text);
}
