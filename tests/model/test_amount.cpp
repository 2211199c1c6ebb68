#include <doctest/doctest.h>

#include "runtime/model/amount.hpp"

using namespace intentd;

namespace {

constexpr units no_max = ~units{0};

units parse_ok(std::string_view text, uint8_t decimals) {
  units out = 0;
  REQUIRE(parse_amount(text, decimals, no_max, out) == amount_problem::none);
  return out;
}

amount_problem parse_fail(std::string_view text, uint8_t decimals,
                          units max = no_max) {
  units out = 12345;
  auto result = parse_amount(text, decimals, max, out);
  CHECK(out == 12345);
  return result;
}

units big(const char* digits) {
  auto value = units_from_string(digits);
  REQUIRE(value.has_value());
  return *value;
}

} // namespace

TEST_CASE("parse_amount converts decimal strings to base units") {
  CHECK(parse_ok("12", 6) == 12'000'000);
  CHECK(parse_ok("0.05", 2) == 5);
  CHECK(parse_ok("0.05", 18) == 50'000'000'000'000'000);
  CHECK(parse_ok("1.5", 1) == 15);
  CHECK(parse_ok("1.50", 2) == 150);
  CHECK(parse_ok("7", 0) == 7);
  CHECK(parse_ok("007", 2) == 700);
  CHECK(parse_ok("0.000000000000000000000001", 24) == 1);
  CHECK(parse_ok("1000000000", 24) ==
        big("1000000000000000000000000000000000"));
}

TEST_CASE("parse_amount refuses anything but a plain decimal") {
  CHECK(parse_fail("", 6) == amount_problem::empty);
  for (const char* text :
       {"1e5", "+1", "-0", "-1", "0x10", "NaN", "inf", " 1", "1 ", "1.", ".5",
        "1,000", "1.2.3", ".", "1_000", "١", "0.5\n"}) {
    CAPTURE(text);
    CHECK(parse_fail(text, 6) == amount_problem::not_decimal);
  }
}

TEST_CASE("parse_amount refuses zero") {
  for (const char* text : {"0", "000", "0.0", "0.000000"}) {
    CAPTURE(text);
    CHECK(parse_fail(text, 6) == amount_problem::not_positive);
  }
}

TEST_CASE("parse_amount refuses more fractional digits than the token has") {
  CHECK(parse_fail("1.123", 2) == amount_problem::too_precise);
  CHECK(parse_fail("0.5", 0) == amount_problem::too_precise);
  CHECK(parse_fail("0.0000000000000000000000001", 24) ==
        amount_problem::too_precise);
}

TEST_CASE("parse_amount refuses amounts above the limit or 128 bits") {
  CHECK(parse_fail("1234567890123456789012345678901234567890", 0) ==
        amount_problem::too_large);
  CHECK(parse_fail("340282366920938463463374607431768211456", 0) ==
        amount_problem::too_large);
  CHECK(parse_ok("340282366920938463463374607431768211455", 0) == no_max);
  CHECK(parse_fail("3402823669209384634633746074317682114.56", 2) ==
        amount_problem::too_large);
  CHECK(parse_fail("1000000000000000", 24) == amount_problem::too_large);
  CHECK(parse_fail("101", 2, 10'000) == amount_problem::too_large);
  units out = 0;
  CHECK(parse_amount("100", 2, 10'000, out) == amount_problem::none);
  CHECK(out == 10'000);
}

TEST_CASE("format_amount gives the shortest decimal") {
  CHECK(format_amount(5, 2) == "0.05");
  CHECK(format_amount(1200, 2) == "12");
  CHECK(format_amount(1500, 3) == "1.5");
  CHECK(format_amount(0, 6) == "0");
  CHECK(format_amount(0, 0) == "0");
  CHECK(format_amount(42, 0) == "42");
  CHECK(format_amount(1, 24) == "0.000000000000000000000001");
  CHECK(format_amount(no_max, 0) == "340282366920938463463374607431768211455");
  CHECK(format_amount(no_max, 38) ==
        "3.40282366920938463463374607431768211455");
}

TEST_CASE("format and parse round trip at 24 decimals") {
  for (const char* text :
       {"1", "0.000000000000000000000001", "123456789.123456789123456789123456",
        "1000000000", "0.1", "99999999999999.999999999999999999999999"}) {
    CAPTURE(text);
    units value = parse_ok(text, 24);
    CHECK(format_amount(value, 24) == text);
  }
  units value = big("123456789012345678901234567890123456");
  CHECK(parse_ok(format_amount(value, 24), 24) == value);
}

TEST_CASE("to_string and units_from_string are inverse") {
  CHECK(to_string(0) == "0");
  CHECK(to_string(1234567890) == "1234567890");
  CHECK(to_string(no_max) == "340282366920938463463374607431768211455");
  CHECK(units_from_string("340282366920938463463374607431768211455") == no_max);
  CHECK(units_from_string("0") == units{0});
  CHECK(units_from_string("0042") == units{42});
  CHECK_FALSE(units_from_string(""));
  CHECK_FALSE(units_from_string("-1"));
  CHECK_FALSE(units_from_string("1.0"));
  CHECK_FALSE(units_from_string("12a"));
  CHECK_FALSE(units_from_string("340282366920938463463374607431768211456"));
}

TEST_CASE("pow10") {
  CHECK(pow10(0) == 1);
  CHECK(pow10(1) == 10);
  CHECK(pow10(18) == 1'000'000'000'000'000'000ull);
  CHECK(to_string(pow10(38)) == "1" + std::string(38, '0'));
}

TEST_CASE("mul_div computes floor(a * b / c) exactly") {
  CHECK(mul_div(10, 3, 4) == units{7});
  CHECK(mul_div(0, 5, 3) == units{0});
  CHECK(mul_div(7, 1, 7) == units{1});
  CHECK_FALSE(mul_div(1, 1, 0));
  units two127 = units{1} << 127;
  CHECK(mul_div(two127, two127, two127) == two127);
  CHECK(mul_div(no_max, no_max, no_max) == no_max);
  CHECK(mul_div(no_max, no_max - 1, no_max) == no_max - 1);
  CHECK(mul_div(pow10(30), pow10(30), pow10(22)) == pow10(38));
  CHECK(mul_div(pow10(30), pow10(30) + 7, pow10(30)) == pow10(30) + 7);
  // 2^127 * 3 / 2 = 3 * 2^126, past 2^128 in the middle.
  CHECK(mul_div(two127, 3, 2) == (units{3} << 126));
  // (10^38 - 1) * (10^38 - 1) / 10^38 = 10^38 - 2 (remainder 1 dropped).
  CHECK(mul_div(pow10(38) - 1, pow10(38) - 1, pow10(38)) == pow10(38) - 2);
  CHECK_FALSE(mul_div(pow10(30), pow10(30), pow10(20)));
  CHECK_FALSE(mul_div(no_max, 2, 1));
  CHECK_FALSE(mul_div(two127, 4, 2));
}
