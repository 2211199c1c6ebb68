#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace intentd {

/// One bad field of a request or a config.
struct field_error {
  std::string field;   // "input_amount", "min_output_amount", ...
  std::string problem; // a sentence
};

/// An error as a value. `code` and `message` are those of the HTTP API's
/// error envelope (docs/api.md, "Errors"): "invalid_intent", "not_found",
/// "nonce_reused", "storage_unavailable", ... plus "invalid_config" for a
/// config the engine refuses and "engine_stopped" for a call after stop().
struct error {
  std::string code;
  std::string message;
  std::vector<field_error> fields;
  /// What the HTTP API answers with this error (400, 404, 409, 503, ...).
  int http_status = 500;
};

/// Either a value or an error.
template<class T>
class result {
public:
  result(T value) : data_(std::in_place_index<0>, std::move(value)) {}
  result(error e) : data_(std::in_place_index<1>, std::move(e)) {}

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  /// The value; only when ok().
  T& value() { return std::get<0>(data_); }
  const T& value() const { return std::get<0>(data_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  /// The error; only when !ok().
  const error& err() const { return std::get<1>(data_); }

private:
  std::variant<T, error> data_;
};

/// The value of a result that carries nothing but success.
struct ok_t {};

using status = result<ok_t>;

} // namespace intentd
