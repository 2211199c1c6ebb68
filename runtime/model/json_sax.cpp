#include "runtime/model/json_sax.hpp"

#include <list>

namespace intentd {

namespace {

using nlohmann::json;

constexpr size_t max_error_length = 160;

class sax_reader : public nlohmann::json_sax<json> {
public:
  sax_reader(json_document& doc, size_t max_depth)
      : doc_(doc), max_depth_(max_depth) {}

  bool null() override { return put(nullptr); }
  bool boolean(bool val) override { return put(val); }
  bool number_integer(number_integer_t val) override { return put(val); }
  bool number_unsigned(number_unsigned_t val) override { return put(val); }

  bool number_float(number_float_t val, const string_t& raw) override {
    if (stack_.size() == 1 && stack_.back()->is_object())
      doc_.raw_numbers[key_] = raw;
    return put(val);
  }

  bool string(string_t& val) override { return put(std::move(val)); }
  bool binary(binary_t& val) override { return put(json::binary(val)); }

  bool start_object(std::size_t) override {
    return open(json::value_t::object);
  }

  bool key(string_t& val) override {
    json& object = *stack_.back();
    if (stack_.size() == 1)
      top_key_ = val;
    if (object.contains(val)) {
      doc_.duplicates.push_back(
          {stack_.size() == 1 ? val : top_key_ + "." + val, "duplicate key"});
      slot_ = &discarded_.emplace_back();
    } else {
      slot_ = &object[val];
    }
    key_ = std::move(val);
    return true;
  }

  bool end_object() override {
    stack_.pop_back();
    return true;
  }

  bool start_array(std::size_t) override { return open(json::value_t::array); }

  bool end_array() override {
    stack_.pop_back();
    return true;
  }

  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    std::string what = ex.what();
    size_t colon = what.find(": ");
    std::string reason =
        colon == std::string::npos ? what : what.substr(colon + 2);
    if (reason.size() > max_error_length)
      reason = reason.substr(0, max_error_length) + "...";
    doc_.syntax_error =
        "malformed JSON at byte " + std::to_string(position) + ": " + reason;
    return false;
  }

private:
  // Places a value where the parser stands; returns its address.
  json* place(json&& value) {
    if (stack_.empty()) {
      doc_.value = std::move(value);
      return &doc_.value;
    }
    json& parent = *stack_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    *slot_ = std::move(value);
    return slot_;
  }

  bool put(json value) {
    place(std::move(value));
    return true;
  }

  bool open(json::value_t type) {
    if (stack_.size() >= max_depth_) {
      doc_.syntax_error =
          "nested deeper than " + std::to_string(max_depth_) + " levels";
      return false;
    }
    stack_.push_back(place(json(type)));
    return true;
  }

  json_document& doc_;
  size_t max_depth_;
  std::vector<json*> stack_;
  json* slot_ = nullptr;
  std::list<json> discarded_;
  std::string key_;
  std::string top_key_;
};

} // namespace

json_document read_json(std::string_view text, size_t max_depth) {
  json_document doc;
  sax_reader reader{doc, max_depth};
  bool ok = json::sax_parse(text.begin(), text.end(), &reader);
  if (!ok && !doc.syntax_error)
    doc.syntax_error = "malformed JSON";
  return doc;
}

} // namespace intentd
