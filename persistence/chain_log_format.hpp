#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "runtime/model/chain_journal.hpp"
#include "runtime/model/problem.hpp"

namespace intentd {

/// The payload of a chain journal's log record: a format version, a kind,
/// then the value: an event as encode_chain_event writes it, or a
/// description as the intent id's length (u32, little-endian), the id and
/// encode_chain_intent_info's bytes.
enum class chain_log_kind : uint8_t { event = 1, intent_info = 2 };
constexpr uint8_t chain_log_version = 1;

std::string encode_chain_log_event(const chain_event& event);
std::string encode_chain_log_info(const chain_intent_info& info);

/// A decoded payload: `event` or `info`, as `kind` says.
struct chain_log_entry {
  chain_log_kind kind = chain_log_kind::event;
  chain_event event;
  chain_intent_info info;
};

/// The entry in a payload; storage_corrupt for an unknown version or kind
/// or a value that does not decode.
outcome<chain_log_entry> decode_chain_log_entry(std::string_view payload,
                                                uint64_t seq);

/// Where a chain journal in `journal_path` keeps its log.
std::string chain_log_dir(const std::string& journal_path);

/// Reads the log in `dir` without changing it, for a reader beside a
/// journal nobody has open (a killed daemon's): calls `fn` with every
/// whole record of sequence >= `from`, in order, as open() would replay
/// them (write_log_options::read_only): a torn tail is left out, and
/// damage open() refuses (a damaged record with a later batch after it, a
/// gap between segments, a log starting after `from`) is storage_corrupt,
/// never a shorter log. No directory or no segment reads as an empty log;
/// a read error is storage_unavailable. Returns the records handed to `fn`.
outcome<uint64_t>
scan_chain_log(const std::string& dir, uint64_t from,
               const std::function<void(uint64_t, std::string_view)>& fn);

} // namespace intentd
