#include "persistence/chain_log_format.hpp"

#include <filesystem>
#include <system_error>
#include <vector>

#include "persistence/chain_event_codec.hpp"
#include "persistence/write_log.hpp"

namespace intentd {

namespace fs = std::filesystem;

namespace {

problem refuse(uint64_t seq, const std::string& why) {
  return problem{errc::storage_corrupt,
                 "the chain journal's log record of sequence " +
                     std::to_string(seq) + " " + why +
                     "; restore the chain journal and its log from a backup",
                 {}};
}

} // namespace

std::string encode_chain_log_event(const chain_event& event) {
  std::string out;
  out.push_back(static_cast<char>(chain_log_version));
  out.push_back(static_cast<char>(chain_log_kind::event));
  out += encode_chain_event(event);
  return out;
}

std::string encode_chain_log_info(const chain_intent_info& info) {
  std::string out;
  out.push_back(static_cast<char>(chain_log_version));
  out.push_back(static_cast<char>(chain_log_kind::intent_info));
  auto n = static_cast<uint32_t>(info.intent_id.size());
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>(n >> (8 * i)));
  out += info.intent_id;
  out += encode_chain_intent_info(info);
  return out;
}

outcome<chain_log_entry> decode_chain_log_entry(std::string_view payload,
                                                uint64_t seq) {
  if (payload.size() < 2)
    return refuse(seq, "is too short");
  if (static_cast<uint8_t>(payload[0]) != chain_log_version)
    return refuse(seq, "has the unknown format version " +
                           std::to_string(static_cast<uint8_t>(payload[0])));
  chain_log_entry out;
  auto rest = payload.substr(2);
  switch (static_cast<uint8_t>(payload[1])) {
  case static_cast<uint8_t>(chain_log_kind::event): {
    auto e = decode_chain_event(rest);
    if (!e)
      return refuse(seq, "does not decode (" + e.error().message + ")");
    out.event = std::move(*e);
    return out;
  }
  case static_cast<uint8_t>(chain_log_kind::intent_info): {
    out.kind = chain_log_kind::intent_info;
    if (rest.size() < 4)
      return refuse(seq, "holds a description too short for its id");
    uint32_t n = 0;
    for (int i = 0; i < 4; ++i)
      n |= uint32_t{static_cast<uint8_t>(rest[i])} << (8 * i);
    if (n == 0 || rest.size() - 4 < n)
      return refuse(seq, "holds a description without a whole id");
    auto info = decode_chain_intent_info(rest.substr(4, n), rest.substr(4 + n));
    if (!info)
      return refuse(seq, "does not decode (" + info.error().message + ")");
    out.info = std::move(*info);
    return out;
  }
  default:
    return refuse(seq, "has the unknown kind " +
                           std::to_string(static_cast<uint8_t>(payload[1])));
  }
}

std::string chain_log_dir(const std::string& journal_path) {
  return (fs::path(journal_path) / "wal").lexically_normal().string();
}

outcome<uint64_t>
scan_chain_log(const std::string& dir, uint64_t from,
               const std::function<void(uint64_t, std::string_view)>& fn) {
  write_log_options o;
  o.dir = dir;
  o.read_only = true;
  auto log = write_log::open(o, from, fn);
  if (!log)
    return log.error();
  return log->report().replayed;
}

} // namespace intentd
