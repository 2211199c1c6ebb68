#include <doctest/doctest.h>

#include <algorithm>

#include "persistence/record_codec.hpp"

using namespace intentd;

namespace {

units twenty_four_decimals() {
  // 123456789.123456789012345678901234 with 24 fractional digits.
  units scale = 1;
  for (int i = 0; i < 24; ++i)
    scale *= 10;
  units frac = units{123456789012ull} * 1000000000000ull + 345678901234ull;
  return units{123456789} * scale + frac;
}

intent_record full_record() {
  intent_record rec;
  rec.request.id = "01HZX3K9Q8V4W2B7N6M5T1R0YA";
  rec.request.user_account = "alice.near";
  rec.request.action = action_kind::swap;
  rec.request.input_token = "wNEAR";
  rec.request.input_amount = twenty_four_decimals();
  rec.request.output_token = "USDC";
  rec.request.min_output_amount = ~units{0};
  rec.request.max_slippage_bps = 50;
  rec.request.expires_at = 1795860300000000;
  rec.request.nonce = 18446744073709551615ull;
  rec.request.signature = std::string("ed25519:\0\xff\x01", 11);
  rec.status = intent_status::failed;
  rec.status_message = "Your swap failed: price moved beyond 0.5%.";
  rec.created_at = -5;
  rec.updated_at = 1795860000123456;
  rec.history = {{intent_status::pending, 1},
                 {intent_status::verified, 2},
                 {intent_status::executing, 3},
                 {intent_status::failed, 4}};
  rec.execution.solver_id = "solver-a";
  rec.execution.attempts = 3;
  rec.execution.transactions = {{"0xaa", "near", "failed"},
                                {"0xbb", "near", "reverted"}};
  rec.execution.gas_used = 300000000000000ull;
  rec.execution.total_cost = twenty_four_decimals() / 7;
  rec.execution.output_amount = units{0};
  rec.error = intent_error{"slippage", "Try again with a wider slippage."};
  rec.seq = 4;
  rec.body_digest = std::string(32, '\x7f');
  rec.dead_letter = true;
  return rec;
}

void check_same(const intent_record& a, const intent_record& b) {
  CHECK(a.request.id == b.request.id);
  CHECK(a.request.user_account == b.request.user_account);
  CHECK(a.request.action == b.request.action);
  CHECK(a.request.input_token == b.request.input_token);
  CHECK(a.request.input_amount == b.request.input_amount);
  CHECK(a.request.output_token == b.request.output_token);
  CHECK(a.request.min_output_amount == b.request.min_output_amount);
  CHECK(a.request.max_slippage_bps == b.request.max_slippage_bps);
  CHECK(a.request.recipient == b.request.recipient);
  CHECK(a.request.expires_at == b.request.expires_at);
  CHECK(a.request.nonce == b.request.nonce);
  CHECK(a.request.signature == b.request.signature);
  CHECK(a.status == b.status);
  CHECK(a.status_message == b.status_message);
  CHECK(a.created_at == b.created_at);
  CHECK(a.updated_at == b.updated_at);
  REQUIRE(a.history.size() == b.history.size());
  for (std::size_t i = 0; i < a.history.size(); ++i) {
    CHECK(a.history[i].status == b.history[i].status);
    CHECK(a.history[i].at == b.history[i].at);
  }
  CHECK(a.execution.solver_id == b.execution.solver_id);
  CHECK(a.execution.attempts == b.execution.attempts);
  REQUIRE(a.execution.transactions.size() == b.execution.transactions.size());
  for (std::size_t i = 0; i < a.execution.transactions.size(); ++i) {
    CHECK(a.execution.transactions[i].hash == b.execution.transactions[i].hash);
    CHECK(a.execution.transactions[i].chain ==
          b.execution.transactions[i].chain);
    CHECK(a.execution.transactions[i].status ==
          b.execution.transactions[i].status);
  }
  CHECK(a.execution.gas_used == b.execution.gas_used);
  CHECK(a.execution.total_cost == b.execution.total_cost);
  CHECK(a.execution.output_amount == b.execution.output_amount);
  REQUIRE(a.error.has_value() == b.error.has_value());
  if (a.error) {
    CHECK(a.error->code == b.error->code);
    CHECK(a.error->message == b.error->message);
  }
  CHECK(a.seq == b.seq);
  CHECK(a.body_digest == b.body_digest);
  CHECK(a.dead_letter == b.dead_letter);
}

/// The same record in format 1, as written before records had a checksum:
/// magic, version 1, the fields.
std::string as_format_1(const std::string& sealed) {
  return std::string("ir\x01") + sealed.substr(7);
}

} // namespace

TEST_CASE("record codec round-trips every field") {
  auto rec = full_record();
  auto bytes = encode_record(rec);
  CHECK(bytes.substr(0, 3) == std::string("ir\x02"));
  auto back = decode_record(bytes);
  REQUIRE(back);
  check_same(rec, *back);
  CHECK(encode_record(*back) == bytes);
}

TEST_CASE("record codec keeps 24-decimal amounts exact") {
  intent_record rec;
  rec.request.id = "x";
  rec.request.input_amount = twenty_four_decimals();
  rec.execution.output_amount = twenty_four_decimals() + 1;
  auto back = decode_record(encode_record(rec));
  REQUIRE(back);
  CHECK(back->request.input_amount == twenty_four_decimals());
  CHECK(back->request.input_amount > units{1} << 100);
  REQUIRE(back->execution.output_amount);
  CHECK(*back->execution.output_amount == twenty_four_decimals() + 1);
}

TEST_CASE("record codec round-trips absent optionals and empty lists") {
  intent_record rec;
  rec.request.id = "only-id";
  auto back = decode_record(encode_record(rec));
  REQUIRE(back);
  check_same(rec, *back);
  CHECK_FALSE(back->error);
  CHECK_FALSE(back->execution.output_amount);
  CHECK(back->history.empty());
}

TEST_CASE("record codec refuses unknown versions and foreign bytes") {
  auto bytes = encode_record(full_record());
  auto newer = bytes;
  newer[2] = static_cast<char>(record_format_version + 1);
  auto r = decode_record(newer);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("version") != std::string::npos);
  auto foreign = bytes;
  foreign[0] = 'x';
  CHECK_FALSE(decode_record(foreign));
  CHECK_FALSE(decode_record(""));
  CHECK_FALSE(decode_record("ir"));
}

TEST_CASE("record codec refuses every truncation and trailing bytes") {
  auto bytes = encode_record(full_record());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto r = decode_record(std::string_view(bytes).substr(0, n));
    CHECK_FALSE(r);
  }
  CHECK_FALSE(decode_record(bytes + '\0'));
}

TEST_CASE("record codec refuses corrupt bytes without crashing") {
  // Format 1 has no checksum: its decoder alone must refuse bad bytes.
  auto bytes = as_format_1(encode_record(full_record()));
  SUBCASE("action out of range") {
    // magic, version, varint id length, id, varint user length, user.
    std::size_t action_at = 3 + 1 + 26 + 1 + 10;
    bytes[action_at] = 9;
    CHECK_FALSE(decode_record(bytes));
  }
  SUBCASE("list length beyond the input") {
    intent_record rec;
    rec.request.id = "x";
    auto without = as_format_1(encode_record(rec));
    rec.history.push_back({});
    auto with = as_format_1(encode_record(rec));
    // The first byte that differs is the history length.
    auto at = static_cast<std::size_t>(
        std::mismatch(without.begin(), without.end(), with.begin()).first -
        without.begin());
    REQUIRE(with[at] == 1);
    auto huge =
        with.substr(0, at) + "\xff\xff\xff\xff\x0f" + with.substr(at + 1);
    CHECK_FALSE(decode_record(huge));
  }
  SUBCASE("every single-byte flip decodes or refuses, never throws") {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      auto bad = bytes;
      bad[i] = static_cast<char>(bad[i] ^ 0xff);
      CHECK_NOTHROW(decode_record(bad));
    }
  }
}

TEST_CASE("solver stats codec round-trips and refuses other versions") {
  solver_stats s{"solver-a", 10, 7, 3, 123456};
  auto bytes = encode_solver_stats(s);
  solver_stats back;
  back.solver_id = "solver-a";
  REQUIRE(decode_solver_stats(bytes, back));
  CHECK(back.solver_id == "solver-a");
  CHECK(back.attempts == 10);
  CHECK(back.successes == 7);
  CHECK(back.failures == 3);
  CHECK(back.total_execution_us == 123456);
  bytes[0] = 9;
  CHECK_FALSE(decode_solver_stats(bytes, back));
  CHECK_FALSE(decode_solver_stats(bytes.substr(1), back));
}

TEST_CASE("record codec keeps the public key, appended after older fields") {
  auto rec = full_record();
  auto without = encode_record(rec);
  rec.request.public_key = std::string(64, 'a');
  auto with = encode_record(rec);
  CHECK(with.substr(7, without.size() - 7) == without.substr(7));
  auto back = decode_record(with);
  REQUIRE(back);
  CHECK(back->request.public_key == rec.request.public_key);
  // A record written before the field existed reads with no key.
  auto old = decode_record(without);
  REQUIRE(old);
  CHECK(old->request.public_key.empty());
  CHECK_FALSE(decode_record(with + '\0'));
}

TEST_CASE("record codec keeps the quotes in version 3, else writes 2") {
  auto rec = full_record();
  rec.execution.solver_id = "acme";
  rec.execution.quotes = 3;
  rec.execution.quote = winning_quote{
      "req-1",   "acme",           "acme.near",          twenty_four_decimals(),
      ~units{0}, 1795860300123456, std::string(128, 'f')};
  auto bytes = encode_record(rec);
  CHECK(record_version(bytes) == record_format_version);
  CHECK(record_format_version == 3);
  auto back = decode_record(bytes);
  REQUIRE(back);
  check_same(rec, *back);
  CHECK(back->execution.quotes == 3);
  REQUIRE(back->execution.quote);
  CHECK(*back->execution.quote == *rec.execution.quote);
  CHECK(back->request.public_key.empty());
  CHECK(encode_record(*back) == bytes);
  for (std::size_t n = 0; n < bytes.size(); ++n)
    CHECK_FALSE(decode_record(std::string_view(bytes).substr(0, n)));
  CHECK_FALSE(decode_record(bytes + '\0'));

  // Quotes counted but none won (the built-ins ran), with a public key.
  rec.execution.quote.reset();
  rec.request.public_key = std::string(64, 'a');
  bytes = encode_record(rec);
  CHECK(record_version(bytes) == record_format_version);
  back = decode_record(bytes);
  REQUIRE(back);
  CHECK(back->execution.quotes == 3);
  CHECK_FALSE(back->execution.quote);
  CHECK(back->request.public_key == rec.request.public_key);

  // Without quotes the record stays in version 2, which older daemons read.
  rec.execution.quotes = 0;
  CHECK(record_version(encode_record(rec)) == record_unquoted_version);
}

TEST_CASE("record codec reads a version 2 record written before quotes") {
  // Written by the encoder of version 2: a completed swap with a key.
  const char old[] =
      "\x69\x72\x02\xfb\x91\x17\x2e\x05\x6f\x6c\x64\x2d\x31\x0a\x61\x6c"
      "\x69\x63\x65\x2e\x6e\x65\x61\x72\x00\x09\x75\x73\x64\x63\x2e\x6e"
      "\x65\x61\x72\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
      "\x00\x00\x00\x09\x77\x72\x61\x70\x2e\x6e\x65\x61\x72\x00\x00\x00"
      "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
      "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
      "\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
      "\x00\x00\x00\x00\x00\x00\x08\x73\x6f\x6c\x76\x65\x72\x2d\x31\x01"
      "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
      "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x07\x00\x00"
      "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x04\x00"
      "\x00\x00\x00\x00\x00\x00\x00\x00\x02\x61\x62";
  auto back = decode_record(std::string_view(old, sizeof old - 1));
  REQUIRE(back);
  CHECK(back->request.id == "old-1");
  CHECK(back->request.public_key == "ab");
  CHECK(back->status == intent_status::completed);
  CHECK(back->execution.solver_id == "solver-1");
  CHECK(back->execution.output_amount == units{7});
  CHECK(back->seq == 4);
  CHECK(back->execution.quotes == 0);
  CHECK_FALSE(back->execution.quote);
  // Written again it is the same bytes: nothing of version 3 to keep.
  CHECK(encode_record(*back) == std::string(old, sizeof old - 1));
}

TEST_CASE("record codec reads records written before the checksum") {
  auto rec = full_record();
  auto old = as_format_1(encode_record(rec));
  CHECK(record_version(old) == record_unsealed_version);
  auto back = decode_record(old);
  REQUIRE(back);
  check_same(rec, *back);
  // Written again, it gains the checksum.
  CHECK(record_version(encode_record(*back)) == record_unquoted_version);
}

TEST_CASE("record codec refuses every flipped bit as storage_corrupt") {
  auto bytes = encode_record(full_record());
  for (std::size_t i = 0; i < bytes.size(); ++i)
    for (int bit = 0; bit < 8; ++bit) {
      auto bad = bytes;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      auto r = decode_record(bad);
      REQUIRE_FALSE(r);
      CHECK(r.error().code == errc::storage_corrupt);
    }
  // A 64-byte run of garbage inside the fields.
  auto bad = bytes;
  for (std::size_t i = 20; i < 84; ++i)
    bad[i] = static_cast<char>(i * 37);
  auto r = decode_record(bad);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == errc::storage_corrupt);
  CHECK(r.error().message.find("checksum") != std::string::npos);
}

TEST_CASE("solver stats codec reads the format before the checksum") {
  solver_stats s{"solver-a", 10, 7, 3, 123456};
  auto bytes = encode_solver_stats(s);
  auto old = std::string(1, '\x01') + bytes.substr(5);
  solver_stats back;
  REQUIRE(decode_solver_stats(old, back));
  CHECK(back.attempts == 10);
  CHECK(back.total_execution_us == 123456);
  bytes[9] ^= 0x10;
  CHECK_FALSE(decode_solver_stats(bytes, back));
}
