#include "runtime/model/amount.hpp"

#include <algorithm>
#include <limits>

namespace intentd {

namespace {

constexpr units units_max = ~units{0};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Appends one decimal digit to `value`; false on 128-bit overflow.
bool push_digit(units& value, char c) {
  units digit = static_cast<units>(c - '0');
  if (value > (units_max - digit) / 10)
    return false;
  value = value * 10 + digit;
  return true;
}

} // namespace

amount_problem parse_amount(std::string_view text, uint8_t decimals, units max,
                            units& out) {
  if (text.empty())
    return amount_problem::empty;
  size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view fraction;
  if (dot != std::string_view::npos) {
    fraction = text.substr(dot + 1);
    if (fraction.empty())
      return amount_problem::not_decimal;
  }
  auto all_digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), is_digit);
  };
  if (whole.empty() || !all_digits(whole) || !all_digits(fraction))
    return amount_problem::not_decimal;
  if (fraction.size() > decimals)
    return amount_problem::too_precise;
  units value = 0;
  for (char c : whole)
    if (!push_digit(value, c))
      return amount_problem::too_large;
  for (char c : fraction)
    if (!push_digit(value, c))
      return amount_problem::too_large;
  for (size_t i = fraction.size(); i < decimals; ++i)
    if (!push_digit(value, '0'))
      return amount_problem::too_large;
  if (value == 0)
    return amount_problem::not_positive;
  if (value > max)
    return amount_problem::too_large;
  out = value;
  return amount_problem::none;
}

std::string to_string(units value) {
  if (value == 0)
    return "0";
  std::string result;
  while (value != 0) {
    result.push_back(static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  }
  std::reverse(result.begin(), result.end());
  return result;
}

std::string format_amount(units value, uint8_t decimals) {
  std::string digits = to_string(value);
  if (digits.size() <= decimals)
    digits.insert(0, decimals + 1 - digits.size(), '0');
  std::string whole = digits.substr(0, digits.size() - decimals);
  std::string fraction = digits.substr(digits.size() - decimals);
  while (!fraction.empty() && fraction.back() == '0')
    fraction.pop_back();
  return fraction.empty() ? whole : whole + "." + fraction;
}

std::optional<units> units_from_string(std::string_view text) {
  if (text.empty())
    return std::nullopt;
  units value = 0;
  for (char c : text)
    if (!is_digit(c) || !push_digit(value, c))
      return std::nullopt;
  return value;
}

units pow10(uint8_t n) {
  if (n > 38)
    return units_max;
  units result = 1;
  for (uint8_t i = 0; i < n; ++i)
    result *= 10;
  return result;
}

std::optional<units> mul_div(units a, units b, units c) {
  if (c == 0)
    return std::nullopt;
  // The 256-bit product a * b as hi * 2^128 + lo.
  constexpr units mask64 = (units{1} << 64) - 1;
  units a0 = a & mask64, a1 = a >> 64;
  units b0 = b & mask64, b1 = b >> 64;
  units p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  units mid = (p00 >> 64) + (p01 & mask64) + (p10 & mask64);
  units lo = (mid << 64) | (p00 & mask64);
  units hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
  if (hi >= c)
    return std::nullopt;
  // Shift-subtract division; the remainder stays below c, with one carry bit.
  units quotient = 0;
  units rem = hi;
  for (int i = 127; i >= 0; --i) {
    bool carry = (rem >> 127) != 0;
    rem = (rem << 1) | ((lo >> i) & 1);
    quotient <<= 1;
    if (carry || rem >= c) {
      rem -= c;
      quotient |= 1;
    }
  }
  return quotient;
}

} // namespace intentd
