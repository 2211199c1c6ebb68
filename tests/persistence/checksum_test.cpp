#include <doctest/doctest.h>

#include <string>

#include "persistence/checksum.hpp"

using namespace intentd;

TEST_CASE("crc32c matches the published test vectors") {
  // The check value of CRC-32C and the vectors of RFC 3720, B.4.
  CHECK(crc32c("") == 0u);
  CHECK(crc32c("123456789") == 0xE3069283u);
  CHECK(crc32c(std::string(32, '\0')) == 0x8A9136AAu);
  CHECK(crc32c(std::string(32, '\xff')) == 0x62A8AB43u);
  std::string up;
  std::string down;
  for (int i = 0; i < 32; ++i) {
    up.push_back(static_cast<char>(i));
    down.push_back(static_cast<char>(31 - i));
  }
  CHECK(crc32c(up) == 0x46DD794Eu);
  CHECK(crc32c(down) == 0x113FDB5Cu);
}

TEST_CASE("crc32c_extend equals the checksum of the concatenation") {
  std::string a = "123";
  std::string b = "456789";
  CHECK(crc32c_extend(crc32c(a), b) == crc32c(a + b));
  CHECK(crc32c_extend(crc32c(""), "123456789") == 0xE3069283u);
}

TEST_CASE("the portable and the instruction paths agree at every length and "
          "alignment") {
  // Lengths around the 8-byte steps, started at every offset of a buffer.
  std::string buf;
  uint32_t x = 12345;
  for (int i = 0; i < 300; ++i) {
    x = x * 1103515245u + 12345u;
    buf.push_back(static_cast<char>(x >> 16));
  }
  CHECK(crc32c_extend_portable(0, "123456789") == 0xE3069283u);
  for (std::size_t start = 0; start < 9; ++start)
    for (std::size_t len = 0; len + start <= 70; ++len) {
      auto piece = std::string_view(buf).substr(start, len);
      CHECK(crc32c_extend(7, piece) == crc32c_extend_portable(7, piece));
    }
  auto all = std::string_view(buf);
  CHECK(crc32c(all) ==
        crc32c_extend(crc32c(all.substr(0, 123)), all.substr(123)));
  CHECK(crc32c(all) == crc32c_extend_portable(0, all));
}

TEST_CASE("a sealed value opens under its key only, and not once damaged") {
  auto v = seal_value("key", "payload");
  CHECK(v.size() == 7 + seal_size);
  auto back = unseal_value("key", v);
  REQUIRE(back);
  CHECK(*back == "payload");
  CHECK_FALSE(unseal_value("kez", v));
  for (std::size_t i = 0; i < v.size(); ++i) {
    auto bad = v;
    bad[i] ^= 0x01;
    CHECK_FALSE(unseal_value("key", bad));
  }
  CHECK_FALSE(unseal_value("key", "abc"));
  CHECK(unseal_value("", seal_value("", "")) == std::string_view(""));
}
