#include "runtime/model/problem.hpp"

namespace intentd {

const char* to_string(errc code) {
  switch (code) {
  case errc::invalid_intent:
    return "invalid_intent";
  case errc::bad_request:
    return "bad_request";
  case errc::not_found:
    return "not_found";
  case errc::conflict:
    return "conflict";
  case errc::not_cancellable:
    return "not_cancellable";
  case errc::payload_too_large:
    return "payload_too_large";
  case errc::unsupported_media:
    return "unsupported_media_type";
  case errc::rate_limited:
    return "rate_limited";
  case errc::overloaded:
    return "overloaded";
  case errc::storage_unavailable:
    return "storage_unavailable";
  case errc::timeout:
    return "timeout";
  case errc::internal:
    return "internal";
  case errc::signature_required:
    return "signature_required";
  case errc::malformed_signature:
    return "malformed_signature";
  case errc::unknown_account_key:
    return "unknown_account_key";
  case errc::foreign_key:
    return "foreign_key";
  case errc::signature_mismatch:
    return "signature_mismatch";
  case errc::nonce_reused:
    return "nonce_reused";
  case errc::unauthorized:
    return "unauthorized";
  case errc::forbidden:
    return "forbidden";
  case errc::node_unavailable:
    return "node_unavailable";
  case errc::storage_corrupt:
    return "storage_corrupt";
  }
  return "internal";
}

} // namespace intentd
