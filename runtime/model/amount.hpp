#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace intentd {

/// An exact token quantity in integer base units (10^-decimals of a token).
/// 128 bits hold 38 decimal digits: enough for 24-decimal tokens.
using units = unsigned __int128;

/// Why a decimal string was refused; `none` means it parsed.
enum class amount_problem {
  none,
  empty,
  not_decimal,  // sign, exponent, hex, spaces, NaN, ...
  not_positive, // zero
  too_precise,  // more fractional digits than the token has
  too_large,    // above the limit or beyond 128 bits
};

/// Parses a plain decimal string ("12", "0.05") into base units of a token
/// with `decimals` fractional digits. `max` bounds the result (in units).
amount_problem parse_amount(std::string_view text, uint8_t decimals, units max,
                            units& out);

/// Formats base units as the shortest decimal string ("0.05", "12").
std::string format_amount(units value, uint8_t decimals);

/// Formats base units as a plain integer string.
std::string to_string(units value);

/// Parses a plain integer string of base units; nullopt when malformed.
std::optional<units> units_from_string(std::string_view text);

/// 10^n as units; n <= 38.
units pow10(uint8_t n);

/// floor(a * b / c) without intermediate overflow; nullopt when the result
/// does not fit in 128 bits or c is zero.
std::optional<units> mul_div(units a, units b, units c);

} // namespace intentd
