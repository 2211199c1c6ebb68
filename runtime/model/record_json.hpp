#pragma once

#include <nlohmann/json.hpp>

#include "runtime/model/intent.hpp"
#include "runtime/model/problem.hpp"
#include "runtime/model/tokens.hpp"

namespace intentd {

/// An amount in base units as a decimal string of its token (base units
/// when the token is unknown).
std::string amount_text(units value, const std::string& token,
                        const token_registry& tokens);

/// [{chain, hash, status}] of an execution's transactions.
nlohmann::json transactions_json(const execution_info& ex);

/// The record as the HTTP API shows it: amounts as decimal strings of their
/// token, times as RFC 3339, enums as their names (DESIGN.md "Record"). The
/// fields are those of record_fields.hpp; the API sends render_record's text.
nlohmann::json to_json(const intent_record& rec, const token_registry& tokens);

/// The text of `dump_json(to_json(rec, tokens))`, the body the API sends for
/// a record, written from the same field list without building a JSON tree.
std::string render_record(const intent_record& rec,
                          const token_registry& tokens);

/// JSON text, compact, with invalid UTF-8 replaced rather than thrown on.
std::string dump_json(const nlohmann::json& j);

/// The error envelope: {"error":{"code","message","details":[...]}}.
nlohmann::json to_json(const problem& p);

} // namespace intentd
