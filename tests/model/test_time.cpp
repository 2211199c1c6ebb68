#include <doctest/doctest.h>

#include "runtime/model/time.hpp"

using namespace intentd;

namespace {

constexpr time_us sec = 1'000'000;

} // namespace

TEST_CASE("parse_rfc3339 reads UTC date-times") {
  CHECK(parse_rfc3339("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_rfc3339("2026-11-22T10:05:00Z") == 1795341900 * sec);
  CHECK(parse_rfc3339("2024-02-29T00:00:00Z") == 1709164800 * sec);
  CHECK(parse_rfc3339("2000-02-29T23:59:59Z") == 951868799 * sec);
  CHECK(parse_rfc3339("9999-12-31T23:59:59Z") == 253402300799 * sec);
  CHECK(parse_rfc3339("0001-01-01T00:00:00Z") == -62135596800 * sec);
  CHECK(parse_rfc3339("1969-12-31T23:59:59Z") == -1 * sec);
  CHECK(parse_rfc3339("2026-11-22t10:05:00z") == 1795341900 * sec);
}

TEST_CASE("parse_rfc3339 reads fractions, truncated to microseconds") {
  time_us base = 1795341900 * sec;
  CHECK(parse_rfc3339("2026-11-22T10:05:00.25Z") == base + 250'000);
  CHECK(parse_rfc3339("2026-11-22T10:05:00.000001Z") == base + 1);
  CHECK(parse_rfc3339("2026-11-22T10:05:00.1234567Z") == base + 123'456);
  CHECK(parse_rfc3339("2026-11-22T10:05:00.999999999999Z") == base + 999'999);
  CHECK(parse_rfc3339("2026-11-22T10:05:00.0Z") == base);
}

TEST_CASE("parse_rfc3339 applies offsets") {
  time_us base = 1795341900 * sec;
  CHECK(parse_rfc3339("2026-11-22T11:05:00+01:00") == base);
  CHECK(parse_rfc3339("2026-11-22T04:35:00-05:30") == base);
  CHECK(parse_rfc3339("2026-11-22T10:05:00+00:00") == base);
  CHECK(parse_rfc3339("2026-11-22T10:05:00-00:00") == base);
  CHECK(parse_rfc3339("2026-11-23T00:05:00.5+14:00") == base + 500'000);
}

TEST_CASE("parse_rfc3339 refuses malformed or out-of-range text") {
  for (const char* text : {"",
                           "2026-11-22",
                           "2026-11-22T10:05:00",
                           "2026-11-22 10:05:00Z",
                           "2026-11-22T10:05Z",
                           "2026-11-22T10:05:00.Z",
                           "2026-11-22T10:05:00ZZ",
                           "2026-11-22T10:05:00Z ",
                           " 2026-11-22T10:05:00Z",
                           "26-11-22T10:05:00Z",
                           "2026-1-22T10:05:00Z",
                           "2026-11-22T10:05:00+0100",
                           "2026-11-22T10:05:00+01",
                           "2026-11-22T10:05:00+24:00",
                           "2026-11-22T10:05:00+01:60",
                           "2026-00-22T10:05:00Z",
                           "2026-13-01T00:00:00Z",
                           "2026-11-00T10:05:00Z",
                           "2026-11-31T10:05:00Z",
                           "2026-04-31T00:00:00Z",
                           "2023-02-29T00:00:00Z",
                           "1900-02-29T00:00:00Z",
                           "2026-11-22T24:00:00Z",
                           "2026-11-22T10:60:00Z",
                           "2026-11-22T10:05:60Z",
                           "2026-11-22T10:05:00.12a3Z",
                           "+2026-11-22T10:05:00Z",
                           "2026-11-22T1O:05:00Z"}) {
    CAPTURE(text);
    CHECK_FALSE(parse_rfc3339(text));
  }
}

TEST_CASE("format_rfc3339 writes UTC with a trimmed fraction") {
  CHECK(format_rfc3339(0) == "1970-01-01T00:00:00Z");
  CHECK(format_rfc3339(1795341900 * sec) == "2026-11-22T10:05:00Z");
  CHECK(format_rfc3339(1795341900 * sec + 123'456) ==
        "2026-11-22T10:05:00.123456Z");
  CHECK(format_rfc3339(1795341900 * sec + 250'000) ==
        "2026-11-22T10:05:00.25Z");
  CHECK(format_rfc3339(1795341900 * sec + 1) == "2026-11-22T10:05:00.000001Z");
  CHECK(format_rfc3339(-500'000) == "1969-12-31T23:59:59.5Z");
  CHECK(format_rfc3339(1709164800 * sec) == "2024-02-29T00:00:00Z");
  CHECK(format_rfc3339(253402300799 * sec) == "9999-12-31T23:59:59Z");
  // Years past four digits or before year 0 keep a plain number.
  CHECK(format_rfc3339(253402300800 * sec) == "10000-01-01T00:00:00Z");
  CHECK(format_rfc3339(-62167219200 * sec) == "0000-01-01T00:00:00Z");
  CHECK(format_rfc3339(-62167219200 * sec - 86'400 * sec + 10) ==
        "-001-12-31T00:00:00.00001Z");
}

TEST_CASE("format and parse round trip") {
  for (const char* text :
       {"2026-11-22T10:05:00Z", "2026-11-22T10:05:00.5Z",
        "2000-01-01T00:00:00.000001Z", "2024-12-31T23:59:59.999999Z",
        "1999-03-01T12:34:56.789Z", "1970-01-01T00:00:00Z"}) {
    CAPTURE(text);
    auto t = parse_rfc3339(text);
    REQUIRE(t);
    CHECK(format_rfc3339(*t) == text);
  }
  // Every day boundary of four years around a leap year.
  for (time_us day = 19'000; day < 19'000 + 4 * 366; ++day) {
    time_us t = day * 86'400 * sec + 43'210 * sec + 7;
    CHECK(parse_rfc3339(format_rfc3339(t)) == t);
  }
}

TEST_CASE("wall_clock_now is after 2024") {
  CHECK(wall_clock_now() > 1704067200 * sec);
}
