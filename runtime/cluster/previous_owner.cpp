#include "runtime/cluster/previous_owner.hpp"

#include <memory>
#include <utility>

#include "runtime/cluster/owner_fallback.hpp"

namespace intentd {

namespace {

problem different_body() {
  return problem{errc::conflict,
                 "An intent with this id exists with a different body.",
                 {}};
}

/// `admit`, then a conflict when it lets the submission go on.
engine_core::submit_admission
refuse_after(engine_core::submit_admission admit) {
  return [admit = std::move(admit)](const intent& in,
                                    engine_core::admission_done decided) {
    if (!admit)
      return decided(different_body());
    admit(in, [decided](std::optional<problem> refused) {
      decided(refused ? std::move(refused)
                      : std::optional<problem>{different_body()});
    });
  };
}

} // namespace

void submit_moved_id(const std::string& previous_node, std::string body_digest,
                     engine_core::submit_admission admit, moved_id_calls calls,
                     reply<submit_result> done) {
  struct submission {
    std::string previous_node;
    std::string body_digest;
    engine_core::submit_admission admit;
    moved_id_calls calls;
    reply<submit_result> done;
  };
  auto sub = std::make_shared<submission>(
      submission{previous_node, std::move(body_digest), std::move(admit),
                 std::move(calls), std::move(done)});
  auto there = [sub](const outcome<intent_record>& r) {
    if (!r) {
      const auto& p = r.error();
      if (p.code == errc::not_found)
        return sub->calls.store_here(std::move(sub->admit), sub->done);
      if (could_not_ask(p))
        return sub->done(problem{
            errc::node_unavailable,
            "Node " + sub->previous_node +
                ", which held this id before the last node was added and "
                "may hold the intent, cannot be asked (" +
                p.message + "); retry shortly.",
            {}});
      return sub->done(p);
    }
    if (!holds_intent(*r))
      return sub->calls.store_here(std::move(sub->admit), sub->done);
    if (r->body_digest != sub->body_digest)
      return sub->calls.store_here(refuse_after(std::move(sub->admit)),
                                   sub->done);
    auto rec = *r;
    rec.node = sub->previous_node;
    sub->done(submit_result{std::move(rec), false});
  };
  sub->calls.read_here([sub, there](const outcome<intent_record>& r) {
    // Held here, or this node cannot tell: its own submit answers.
    if (r ? holds_intent(*r) : r.error().code != errc::not_found)
      return sub->calls.store_here(std::move(sub->admit), sub->done);
    sub->calls.read_previous(there);
  });
}

} // namespace intentd
