#include <filesystem>
#include <optional>
#include <string>

#include "persistence/checksum.hpp"
#include "persistence/store_verify_walk.hpp"
#include "persistence/write_log.hpp"

namespace intentd::verify_detail {

namespace {

/// `meta/checkpoint_seq` of the environment `w` has open.
struct recorded_checkpoint {
  bool readable = true; // false: damaged (reported)
  bool recorded = false;
  uint64_t seq = 1; // 1 when none is recorded: nothing checkpointed
};

recorded_checkpoint checkpoint_of(walker& w) {
  constexpr char key[] = "checkpoint_seq";
  recorded_checkpoint out;
  const auto before = w.damage_count();
  auto meta = w.open_db("meta", true);
  if (!meta) {
    // Absent is no checkpoint; a meta LMDB refused was reported.
    out.readable = w.damage_count() == before;
    return out;
  }
  std::string_view stored;
  auto found = w.find(*meta, key, stored);
  if (!found) {
    out.readable = false;
    return out;
  }
  if (!*found)
    return out;
  auto v = unseal_value(key, stored);
  if (!v || v->size() != 8) {
    w.damage("meta: checkpoint_seq fails its checksum or is malformed; the "
             "log cannot be checked against it");
    out.readable = false;
    return out;
  }
  out.recorded = true;
  out.seq = 0;
  for (int i = 0; i < 8; ++i)
    out.seq |= uint64_t{static_cast<uint8_t>((*v)[i])} << (8 * i);
  return out;
}

} // namespace

void check_write_log(walker& w, const std::string& dir, const std::string& name,
                     const log_decoder& decode) {
  auto from = checkpoint_of(w);
  if (!from.readable)
    return;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    if (from.recorded)
      w.note(name + ": none, while LMDB records a checkpoint at sequence " +
             std::to_string(from.seq) +
             ": the log path refuses to start on this (a copy without its "
             "log?); the LMDB path ignores it");
    return;
  }
  write_log_options o;
  o.dir = dir;
  o.read_only = true;
  uint64_t undecodable = 0;
  auto log =
      write_log::open(o, from.seq, [&](uint64_t seq, std::string_view b) {
        if (auto why = decode(b, seq)) {
          ++undecodable;
          w.damage(name + ": record " + std::to_string(seq) + ": " + *why);
        }
      });
  if (!log) {
    w.damage(name + ": " + log.error().message);
    return;
  }
  const auto& r = log->report();
  std::string line = name + ": " + std::to_string(r.segments) +
                     " segment(s), " + std::to_string(r.replayed) +
                     " record(s) after the checkpoint at sequence " +
                     std::to_string(from.seq) +
                     " (replayed into LMDB at the next start)";
  if (undecodable > 0)
    line += ", " + std::to_string(undecodable) + " of them undecodable";
  w.note(line);
  // In a recycled segment the bytes after the torn batch are a spare's
  // old records (never read): said apart, not counted as torn.
  const std::string stale = std::to_string(r.stale_bytes) +
                            " bytes left from the file's earlier use as an "
                            "older segment (never read";
  if (r.torn_bytes > 0)
    w.note(name + ": a torn tail of " + std::to_string(r.torn_bytes) +
           " bytes at byte " + std::to_string(r.torn_offset) + " of " +
           r.torn_segment + " (sequence " + std::to_string(r.torn_seq) +
           ", never acknowledged; cut at the next start)" +
           (r.stale_bytes > 0 ? ", then " + stale + "; cut with it)"
                              : std::string{}));
  else if (r.stale_bytes > 0)
    w.note(name + ": no torn tail, but at byte " +
           std::to_string(r.torn_offset) + " of " + r.torn_segment + " " +
           stale + "; dropped at the next start)");
}

} // namespace intentd::verify_detail
