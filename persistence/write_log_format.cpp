#include "persistence/write_log_format.hpp"

#include "persistence/checksum.hpp"

namespace intentd::wal {

namespace {

void put_le(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out.push_back(static_cast<char>(v >> (8 * i)));
}

uint64_t get_le(std::string_view s, std::size_t pos, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v |= uint64_t{static_cast<uint8_t>(s[pos + i])} << (8 * i);
  return v;
}

} // namespace

void put_segment_header(std::string& out, uint64_t first_seq) {
  auto start = out.size();
  put_le(out, segment_magic, 4);
  put_le(out, format_version, 4);
  put_le(out, first_seq, 8);
  put_le(out, crc32c(std::string_view(out).substr(start, 16)), 4);
}

uint64_t read_segment_header(std::string_view bytes) {
  if (bytes.size() < segment_header_size ||
      get_le(bytes, 0, 4) != segment_magic ||
      get_le(bytes, 4, 4) != format_version ||
      get_le(bytes, 16, 4) != crc32c(bytes.substr(0, 16)))
    return 0;
  return get_le(bytes, 8, 8);
}

void put_record(std::string& out, uint64_t seq, uint32_t back,
                std::string_view payload) {
  auto start = out.size();
  put_le(out, 0, 4);
  put_le(out, payload.size(), 4);
  put_le(out, seq, 8);
  put_le(out, back, 4);
  out.append(payload.data(), payload.size());
  auto crc = crc32c(std::string_view(out).substr(start + 4));
  for (int i = 0; i < 4; ++i)
    out[start + i] = static_cast<char>(crc >> (8 * i));
}

parsed_record read_record(std::string_view seg, std::size_t pos,
                          uint32_t max_record) {
  parsed_record r;
  if (pos > seg.size() || seg.size() - pos < record_header_size)
    return r;
  auto len = get_le(seg, pos + 4, 4);
  if (len > max_record || seg.size() - pos - record_header_size < len)
    return r;
  r.size = record_header_size + len;
  if (get_le(seg, pos, 4) != crc32c(seg.substr(pos + 4, r.size - 4)))
    return r;
  r.valid = true;
  r.seq = get_le(seg, pos + 8, 8);
  r.back = static_cast<uint32_t>(get_le(seg, pos + 16, 4));
  r.payload = seg.substr(pos + record_header_size, len);
  return r;
}

bool clean_end(std::string_view seg, std::size_t pos) {
  if (pos >= seg.size())
    return true;
  auto n = std::min(record_header_size, seg.size() - pos);
  return seg.substr(pos, n).find_first_not_of('\0') == std::string_view::npos;
}

std::size_t later_batch_after(std::string_view seg, std::size_t pos,
                              uint64_t expected, uint32_t max_record) {
  for (auto at = pos + 1; at + record_header_size <= seg.size(); ++at) {
    // Cheap filters first: a plausible sequence and length.
    auto seq = get_le(seg, at + 8, 8);
    if (seq <= expected || seq - expected > (1ull << 32))
      continue;
    auto r = read_record(seg, at, max_record);
    if (r.valid && r.seq - r.back > expected)
      return at;
  }
  return 0;
}

bool begins_record(std::string_view seg, std::size_t pos, uint64_t seq) {
  return pos + record_header_size <= seg.size() &&
         get_le(seg, pos + 8, 8) == seq;
}

std::size_t earlier_record_after(std::string_view seg, std::size_t pos,
                                 uint64_t first_seq, uint32_t max_record) {
  for (auto at = pos; at + record_header_size <= seg.size(); ++at) {
    auto seq = get_le(seg, at + 8, 8);
    if (seq == 0 || seq >= first_seq)
      continue;
    auto r = read_record(seg, at, max_record);
    if (r.valid && r.back < r.seq)
      return at;
  }
  return seg.size();
}

} // namespace intentd::wal
