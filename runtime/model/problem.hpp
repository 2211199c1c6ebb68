#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace intentd {

/// Error codes that cross module boundaries; the gateway maps them to HTTP.
enum class errc {
  invalid_intent,      // 400
  bad_request,         // 400 (malformed query, bad cursor, ...)
  not_found,           // 404
  conflict,            // 409: id reused with another body
  not_cancellable,     // 409
  payload_too_large,   // 413
  unsupported_media,   // 415
  rate_limited,        // 429
  overloaded,          // 503
  storage_unavailable, // 503
  timeout,             // 504
  internal,            // 500
  signature_required,  // 401: signatures are required and there is none
  malformed_signature, // 400: not hex of an ed25519 key / signature
  unknown_account_key, // 403: the account holds no public key
  foreign_key,         // 403: the key is not registered to the account
  signature_mismatch,  // 401: does not verify over the canonical message
  nonce_reused,        // 409: the account used this nonce before
  unauthorized,        // 401: an admin call without an API key
  forbidden,           // 403: an admin call with a wrong API key
  storage_corrupt,     // 500: a stored value failed its checksum or decode
  node_unavailable,    // 503: the cluster node the request needs is down
};

/// Stable snake_case name of a code, as used in the error envelope.
const char* to_string(errc code);

/// One bad field of a request.
struct field_problem {
  std::string field;
  std::string problem;
  friend bool operator==(const field_problem& a, const field_problem& b) {
    return a.field == b.field && a.problem == b.problem;
  }
};

/// An error as a value: a code, a sentence, and every bad field.
struct problem {
  errc code = errc::internal;
  std::string message;
  std::vector<field_problem> details;
};

/// Either a value or a problem.
template<class T>
class outcome {
public:
  /// An internal problem until a value or a problem is assigned: what a
  /// message slot holds before it is read into.
  outcome() : data_(std::in_place_index<1>) {}
  outcome(T value) : data_(std::move(value)) {}
  outcome(problem p) : data_(std::move(p)) {}
  explicit operator bool() const { return data_.index() == 0; }
  T& value() { return std::get<0>(data_); }
  const T& value() const { return std::get<0>(data_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const problem& error() const { return std::get<1>(data_); }

private:
  std::variant<T, problem> data_;
};

/// The success value of an outcome that carries nothing.
struct done {};

} // namespace intentd
