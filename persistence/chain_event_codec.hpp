#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/model/chain_journal.hpp"
#include "runtime/model/problem.hpp"

namespace intentd {

/// Version written by encode_chain_event for every kind but settle;
/// decode_chain_event also reads version 1 (the same without a checksum)
/// and version 3, and refuses others.
constexpr uint8_t chain_event_format_version = 2;

/// Version written for settle events: version 2's fields, then the
/// settlement's (payer, payer token, refund, solver account, solver
/// received, solver paid, fee). A journal without settlements stays
/// readable by a daemon that knows only version 2.
constexpr uint8_t chain_event_settle_version = 3;

/// Binary form of a chain event: magic "ce", version, the CRC-32C (4 bytes,
/// little-endian) of every other byte of the value, kind, intent id,
/// account, token, amount (16 bytes), tx hash, block; version 3 appends
/// payer, payer token, refund, solver account, solver received, solver paid
/// and fee (amounts 16 bytes).
std::string encode_chain_event(const chain_event& event);

/// Parses encode_chain_event's output; a storage_corrupt problem for a
/// checksum that does not match or anything else. Never reads outside
/// `bytes`.
outcome<chain_event> decode_chain_event(std::string_view bytes);

} // namespace intentd

namespace intentd {

/// What the simulated chain keeps of an intent it has seen (the journal's
/// `intents` table): version 1, action, account, input token and amount,
/// output token, recipient, first and last change, sealed with the CRC-32C
/// of the intent id and those bytes (seal_value).
std::string encode_chain_intent_info(const chain_intent_info& info);

/// Parses encode_chain_intent_info's output stored under `intent_id`; a
/// storage_corrupt problem for a checksum that does not match or anything
/// else. Never reads outside `bytes`.
outcome<chain_intent_info> decode_chain_intent_info(std::string_view intent_id,
                                                    std::string_view bytes);

} // namespace intentd
