#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "runtime/engine/engine.hpp"

namespace intentd {

/// Asks `admit` about `in` and then calls `go(in, body_digest)`, or
/// `refuse(problem)` when it says no; without an admission, `go` at once.
/// The intent is kept alive while the admission decides, which may be
/// later and on another thread.
template<class Go, class Refuse>
void after_admission(const engine_core::submit_admission& admit, intent in,
                     std::string body_digest, Go go, Refuse refuse) {
  if (!admit)
    return go(std::move(in), std::move(body_digest));
  auto held = std::make_shared<intent>(std::move(in));
  const auto& ref = *held;
  admit(ref,
        [held, body_digest = std::move(body_digest), go = std::move(go),
         refuse = std::move(refuse)](std::optional<problem> refused) mutable {
          if (refused)
            return refuse(std::move(*refused));
          go(std::move(*held), std::move(body_digest));
        });
}

} // namespace intentd
