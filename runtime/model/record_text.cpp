// render_record: the text of dump_json(to_json(rec, tokens)), written
// directly instead of through a JSON tree. The fields come from
// record_fields.hpp, as to_json's do; tests/model/test_record_text.cpp
// holds the two to the same bytes.

#include <array>
#include <string_view>

#include "runtime/model/record_fields.hpp"
#include "runtime/model/record_json.hpp"

namespace intentd {

namespace {

/// A record_fields sink that appends compact JSON text to a string.
class text_writer {
public:
  explicit text_writer(std::string& out) : out_(out) {}

  void open_object() { open('{'); }
  void close_object() { close('}'); }
  void open_array() { open('['); }
  void close_array() { close(']'); }

  /// `"key":`, after a comma unless first in its object.
  void key(std::string_view k) {
    comma();
    out_ += '"';
    out_ += k;
    out_ += "\":";
    first_ = true; // the value follows without a comma
  }

  void string(std::string_view s) {
    comma();
    if (!plain(s)) {
      out_ += dump_json(nlohmann::json(s));
      return;
    }
    out_ += '"';
    out_ += s;
    out_ += '"';
  }
  void number(uint64_t n) {
    comma();
    out_ += std::to_string(n);
  }
  void boolean(bool b) {
    comma();
    out_ += b ? "true" : "false";
  }
  void null() {
    comma();
    out_ += "null";
  }

private:
  void open(char c) {
    comma();
    out_ += c;
    first_ = true;
  }
  void close(char c) {
    out_ += c;
    first_ = false;
  }

  // Before a key or a value: a comma unless first in its object or array,
  // or the value of a key.
  void comma() {
    if (!first_)
      out_ += ',';
    first_ = false;
  }

  // Printable ASCII without quote or backslash: written as it is. One
  // table look-up a byte (signatures and keys are long).
  static bool plain(std::string_view s) {
    for (unsigned char c : s)
      if (!plain_bytes[c])
        return false;
    return true;
  }

  static constexpr std::array<bool, 256> plain_bytes = [] {
    std::array<bool, 256> out{};
    for (int c = 0x20; c < 0x7f; ++c)
      out[c] = c != '"' && c != '\\';
    return out;
  }();

  std::string& out_;
  bool first_ = true;
};

} // namespace

std::string render_record(const intent_record& rec,
                          const token_registry& tokens) {
  std::string out;
  out.reserve(768 + 64 * rec.history.size());
  text_writer w{out};
  record_fields::record(w, rec, tokens);
  return out;
}

} // namespace intentd
