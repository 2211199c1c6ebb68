#include "persistence/chain_log_format.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>
#include <vector>

#include "persistence/chain_event_codec.hpp"
#include "persistence/write_log.hpp"
#include "persistence/write_log_format.hpp"

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

/// The first sequence a segment's file name gives; 0 for other files.
uint64_t seq_of_name(const std::string& name) {
  if (name.size() != 24 || name.compare(20, 4, ".wal") != 0 ||
      name.find_first_not_of("0123456789") != 20)
    return 0;
  return std::stoull(name.substr(0, 20));
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
  std::error_code ec;
  if (!fs::exists(dir, ec))
    return uint64_t{0};
  std::vector<std::pair<uint64_t, std::string>> segments;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (auto seq = seq_of_name(entry.path().filename().string()))
      segments.emplace_back(seq, entry.path().string());
  if (ec)
    return problem{errc::storage_unavailable,
                   "cannot list the chain journal's log in " + dir + ": " +
                       ec.message(),
                   {}};
  std::sort(segments.begin(), segments.end());
  uint64_t found = 0;
  uint64_t expected = 0;
  for (const auto& [first, path] : segments) {
    // Segments follow on from each other; past a gap nothing is whole.
    if (expected != 0 && first != expected)
      return found;
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)),
                      std::istreambuf_iterator<char>());
    if (in.bad())
      return problem{errc::storage_unavailable,
                     "cannot read the chain journal's log segment " + path,
                     {}};
    if (wal::read_segment_header(bytes) != first)
      return found;
    expected = first;
    std::size_t pos = wal::segment_header_size;
    for (;;) {
      auto r = wal::read_record(bytes, pos, write_log_options{}.max_record);
      if (!r.valid || r.seq != expected)
        break;
      if (r.seq >= from) {
        fn(r.seq, r.payload);
        ++found;
      }
      ++expected;
      pos += r.size;
    }
    if (!wal::clean_end(bytes, pos))
      return found;
  }
  return found;
}

} // namespace intentd
