#include "actors/intent_log.hpp"

namespace intentd {

namespace {

thread_local const intent_log_fields* current_fields = nullptr;

} // namespace

intent_log_fields log_fields(const intent_record& rec) {
  return intent_log_fields{rec.request.id, rec.request.user_account,
                           to_string(rec.status), rec.execution.solver_id};
}

intent_log_fields log_fields(const intent& in, std::string_view status,
                             std::string_view solver) {
  return intent_log_fields{in.id, in.user_account, status, solver};
}

const intent_log_fields* current_intent_log_fields() {
  return current_fields;
}

namespace detail {

intent_log_scope::intent_log_scope(const intent_log_fields& f)
    : previous_(current_fields) {
  current_fields = &f;
}

intent_log_scope::~intent_log_scope() {
  current_fields = previous_;
}

} // namespace detail

} // namespace intentd
