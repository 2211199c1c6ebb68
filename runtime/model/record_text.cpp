// render_record: the text of dump_json(to_json(rec, tokens)), written
// directly instead of through a JSON tree. Keys come in the order that
// nlohmann::json's objects keep them (sorted), so the two agree byte for
// byte; tests/model/test_record_json.cpp holds them to it.

#include <string_view>

#include "runtime/model/record_json.hpp"
#include "runtime/model/status_message.hpp"
#include "runtime/model/time.hpp"

namespace intentd {

namespace {

class writer {
public:
  explicit writer(std::string& out) : out_(out) {}

  /// Opens `{`, `[`; closes `}`, `]`.
  void open(char c) {
    out_ += c;
    first_ = true;
  }
  void close(char c) {
    out_ += c;
    first_ = false;
  }

  /// `"key":`, after a comma unless first in its object.
  void key(std::string_view k) {
    comma();
    out_ += '"';
    out_ += k;
    out_ += "\":";
    first_ = true; // the value follows without a comma
  }

  /// An array element's separator.
  void item() { comma(); }

  void string(std::string_view s) {
    first_ = false;
    if (!plain(s)) {
      out_ += dump_json(nlohmann::json(s));
      return;
    }
    out_ += '"';
    out_ += s;
    out_ += '"';
  }
  void number(uint64_t n) {
    first_ = false;
    out_ += std::to_string(n);
  }
  void boolean(bool b) {
    first_ = false;
    out_ += b ? "true" : "false";
  }
  void null() {
    first_ = false;
    out_ += "null";
  }

private:
  void comma() {
    if (!first_)
      out_ += ',';
    first_ = false;
  }

  // Printable ASCII without quote or backslash: written as it is.
  static bool plain(std::string_view s) {
    for (unsigned char c : s)
      if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
        return false;
    return true;
  }

  std::string& out_;
  bool first_ = true;
};

void write_execution(writer& w, const intent_record& rec,
                     const token_registry& tokens) {
  const auto& ex = rec.execution;
  w.open('{');
  w.key("attempts");
  w.number(ex.attempts);
  w.key("gas_used");
  w.number(ex.gas_used);
  w.key("output_amount");
  if (ex.output_amount)
    w.string(amount_text(*ex.output_amount, rec.request.output_token, tokens));
  else
    w.null();
  w.key("solver_id");
  if (ex.solver_id.empty())
    w.null();
  else
    w.string(ex.solver_id);
  w.key("total_cost");
  w.string(amount_text(ex.total_cost, rec.request.input_token, tokens));
  w.key("transactions");
  w.open('[');
  for (const auto& tx : ex.transactions) {
    w.item();
    w.open('{');
    w.key("chain");
    w.string(tx.chain);
    w.key("hash");
    w.string(tx.hash);
    w.key("status");
    w.string(tx.status);
    w.close('}');
  }
  w.close(']');
  w.close('}');
}

} // namespace

std::string render_record(const intent_record& rec,
                          const token_registry& tokens) {
  const intent& in = rec.request;
  bool swap = in.action == action_kind::swap;
  std::string out;
  out.reserve(768 + 64 * rec.history.size());
  writer w{out};
  w.open('{');
  w.key("action");
  w.string(to_string(in.action));
  w.key("created_at");
  w.string(format_rfc3339(rec.created_at));
  w.key("dead_letter");
  w.boolean(rec.dead_letter);
  w.key("error");
  if (rec.error) {
    w.open('{');
    w.key("code");
    w.string(rec.error->code);
    w.key("message");
    w.string(rec.error->message);
    w.close('}');
  } else {
    w.null();
  }
  w.key("execution");
  write_execution(w, rec, tokens);
  w.key("expires_at");
  w.string(format_rfc3339(in.expires_at));
  w.key("history");
  w.open('[');
  for (const auto& h : rec.history) {
    w.item();
    w.open('{');
    w.key("at");
    w.string(format_rfc3339(h.at));
    w.key("status");
    w.string(to_string(h.status));
    w.close('}');
  }
  w.close(']');
  w.key("id");
  w.string(in.id);
  w.key("input_amount");
  w.string(amount_text(in.input_amount, in.input_token, tokens));
  w.key("input_token");
  w.string(in.input_token);
  if (swap) {
    w.key("max_slippage");
    w.string(format_amount(in.max_slippage_bps, 2));
    w.key("min_output_amount");
    w.string(amount_text(in.min_output_amount, in.output_token, tokens));
  }
  w.key("nonce");
  w.number(in.nonce);
  if (swap) {
    w.key("output_token");
    w.string(in.output_token);
  }
  if (!in.public_key.empty()) {
    w.key("public_key");
    w.string(in.public_key);
  }
  if (!in.recipient.empty()) {
    w.key("recipient");
    w.string(in.recipient);
  }
  w.key("seq");
  w.number(rec.seq);
  if (!in.signature.empty()) {
    w.key("signature");
    w.string(in.signature);
  }
  w.key("status");
  w.string(to_string(rec.status));
  w.key("status_message");
  if (rec.status_message.empty())
    w.string(status_message(rec.status, in.action,
                            rec.error ? &*rec.error : nullptr));
  else
    w.string(rec.status_message);
  w.key("updated_at");
  w.string(format_rfc3339(rec.updated_at));
  w.key("user_account");
  w.string(in.user_account);
  w.close('}');
  return out;
}

} // namespace intentd
