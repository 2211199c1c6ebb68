#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/model/amount.hpp"

namespace intentd::bytes {

/// Appends fixed-width little-endian integers, varints and length-prefixed
/// strings.
class writer {
public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }

  void fixed(uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i)
      u8(static_cast<uint8_t>(v >> (8 * i)));
  }

  void u32(uint32_t v) { fixed(v, 4); }
  void u64(uint64_t v) { fixed(v, 8); }
  void i64(int64_t v) { fixed(static_cast<uint64_t>(v), 8); }

  void u128(units v) {
    fixed(static_cast<uint64_t>(v), 8);
    fixed(static_cast<uint64_t>(v >> 64), 8);
  }

  void varint(uint64_t v) {
    while (v >= 0x80) {
      u8(static_cast<uint8_t>(v) | 0x80);
      v >>= 7;
    }
    u8(static_cast<uint8_t>(v));
  }

  void str(std::string_view s) {
    varint(s.size());
    out_.append(s.data(), s.size());
  }

  std::string take() { return std::move(out_); }

private:
  std::string out_;
};

/// Reads until the first failure, after which every read yields zero and
/// `ok()` stays false; the caller checks once at the end.
class reader {
public:
  explicit reader(std::string_view in, std::size_t start = 0)
      : in_(in), pos_(start) {}

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  std::size_t pos() const { return pos_; }
  std::size_t remaining() const { return in_.size() - pos_; }

  void fail(std::string what) {
    if (ok())
      error_ = std::move(what) + " at byte " + std::to_string(pos_);
  }

  uint8_t u8() {
    if (!ok() || remaining() < 1) {
      fail("truncated");
      return 0;
    }
    return static_cast<uint8_t>(in_[pos_++]);
  }

  uint64_t fixed(int bytes) {
    if (!ok() || remaining() < static_cast<std::size_t>(bytes)) {
      fail("truncated");
      return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i)
      v |= uint64_t{static_cast<uint8_t>(in_[pos_++])} << (8 * i);
    return v;
  }

  uint32_t u32() { return static_cast<uint32_t>(fixed(4)); }
  uint64_t u64() { return fixed(8); }
  int64_t i64() { return static_cast<int64_t>(fixed(8)); }

  units u128() {
    units lo = fixed(8);
    units hi = fixed(8);
    return lo | (hi << 64);
  }

  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b = u8();
      if (!ok())
        return 0;
      v |= uint64_t{b & 0x7fu} << shift;
      if ((b & 0x80) == 0)
        return v;
    }
    fail("overlong varint");
    return 0;
  }

  /// A list length; each element takes at least `min_size` bytes, so a
  /// length beyond what is left is corrupt and never allocated.
  std::size_t count(std::size_t min_size) {
    uint64_t n = varint();
    if (ok() && n > remaining() / min_size)
      fail("list length beyond the input");
    return ok() ? static_cast<std::size_t>(n) : 0;
  }

  std::string str() {
    std::size_t n = count(1);
    if (!ok())
      return {};
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }

  bool flag() {
    uint8_t b = u8();
    if (b > 1)
      fail("bad flag");
    return b == 1;
  }

private:
  std::string_view in_;
  std::size_t pos_ = 0;
  std::string error_;
};

} // namespace intentd::bytes
