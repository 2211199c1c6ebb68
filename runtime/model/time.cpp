#include "runtime/model/time.hpp"

#include <chrono>
#include <cstdio>

namespace intentd {

namespace {

constexpr int64_t us_per_second = 1'000'000;
constexpr int64_t us_per_day = 86'400 * us_per_second;

// Howard Hinnant's days_from_civil: days since 1970-01-01 (proleptic
// Gregorian).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  auto yoe = static_cast<unsigned>(y - era * 400);
  unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct civil_date {
  int64_t year;
  unsigned month;
  unsigned day;
};

civil_date civil_from_days(int64_t z) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  auto doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned d = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  int64_t y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
  return {y, m, d};
}

bool is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30,
                                      31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

// Reads exactly `n` digits at `pos`, advancing it.
bool read_digits(std::string_view s, size_t& pos, size_t n, unsigned& out) {
  if (pos + n > s.size())
    return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9')
      return false;
    out = out * 10 + static_cast<unsigned>(c - '0');
  }
  pos += n;
  return true;
}

bool expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c)
    return false;
  ++pos;
  return true;
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

} // namespace

std::optional<time_us> parse_rfc3339(std::string_view s) {
  size_t pos = 0;
  unsigned year, month, day, hour, minute, second;
  if (!read_digits(s, pos, 4, year) || !expect(s, pos, '-') ||
      !read_digits(s, pos, 2, month) || !expect(s, pos, '-') ||
      !read_digits(s, pos, 2, day))
    return std::nullopt;
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't'))
    return std::nullopt;
  ++pos;
  if (!read_digits(s, pos, 2, hour) || !expect(s, pos, ':') ||
      !read_digits(s, pos, 2, minute) || !expect(s, pos, ':') ||
      !read_digits(s, pos, 2, second))
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
      hour > 23 || minute > 59 || second > 59)
    return std::nullopt;
  int64_t micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    int64_t scale = 100'000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      micros += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start)
      return std::nullopt;
  }
  int64_t offset_minutes = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    unsigned off_h, off_m;
    if (!read_digits(s, pos, 2, off_h) || !expect(s, pos, ':') ||
        !read_digits(s, pos, 2, off_m) || off_h > 23 || off_m > 59)
      return std::nullopt;
    offset_minutes = sign * static_cast<int64_t>(off_h * 60 + off_m);
  } else {
    return std::nullopt;
  }
  if (pos != s.size())
    return std::nullopt;
  int64_t seconds = days_from_civil(year, month, day) * 86'400 + hour * 3600 +
                    minute * 60 + second - offset_minutes * 60;
  return seconds * us_per_second + micros;
}

namespace {

/// Writes `v` as exactly `width` decimal digits ending before `end`.
void put_digits(char* end, int64_t v, int width) {
  for (int i = 0; i < width; ++i, v /= 10)
    *--end = static_cast<char>('0' + v % 10);
}

} // namespace

std::string format_rfc3339(time_us t) {
  int64_t days = floor_div(t, us_per_day);
  int64_t rest = t - days * us_per_day;
  auto date = civil_from_days(days);
  int64_t secs = rest / us_per_second;
  int64_t micros = rest % us_per_second;
  // -MM-DDTHH:MM:SS.ffffffZ after the year
  char buf[23] = {'-', '0', '0', '-', '0', '0', 'T', '0', '0', ':', '0', '0',
                  ':', '0', '0', '.', '0', '0', '0', '0', '0', '0', 'Z'};
  put_digits(buf + 3, date.month, 2);
  put_digits(buf + 6, date.day, 2);
  put_digits(buf + 9, secs / 3600, 2);
  put_digits(buf + 12, secs / 60 % 60, 2);
  put_digits(buf + 15, secs % 60, 2);
  size_t len = 15;
  if (micros != 0) {
    put_digits(buf + 22, micros, 6);
    len = 22;
    while (buf[len - 1] == '0') // trailing zeros of the fraction go
      --len;
  }
  buf[len++] = 'Z';
  std::string out;
  if (date.year >= 0 && date.year <= 9999) {
    out.resize(4);
    put_digits(out.data() + 4, date.year, 4);
  } else { // rare: printf's width, sign and all
    char year[32];
    int n = std::snprintf(year, sizeof(year), "%04lld",
                          static_cast<long long>(date.year));
    out.assign(year, static_cast<size_t>(n));
  }
  out.append(buf, len);
  return out;
}

time_us wall_clock_now() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch())
      .count();
}

} // namespace intentd
