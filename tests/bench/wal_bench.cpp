// The write log alone: batches of B records appended and synced (one write
// and one fdatasync each) for B = 1, 4, 16, 64, 256, 1024.
//
//   wal_bench [--seconds S=3] [--record-bytes R=400] [--preallocate]
//             [--segment-mb M=64] [--dir DIR]
//
// Prints per batch size: batches and records per second, and per record the
// bytes the log framed, the bytes the device received (/proc/diskstats of
// the disk holding DIR: the whole disk, so other writers count too), the
// bytes the kernel counted as dirtied (/proc/self/io) and the CPU time;
// then how fast open() replays the log the largest batches left.
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "io_counters.hpp"
#include "persistence/write_log.hpp"

using namespace intentd;
using namespace intentd::bench;

int main(int argc, char** argv) {
  double seconds = 3;
  std::size_t record_bytes = 400;
  bool preallocate = false;
  uint64_t segment_mb = 64;
  std::string dir;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : ""; };
    if (a == "--seconds")
      seconds = std::atof(next().c_str());
    else if (a == "--record-bytes")
      record_bytes = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--preallocate")
      preallocate = true;
    else if (a == "--segment-mb")
      segment_mb = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--dir")
      dir = next();
    else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  bool own_dir = dir.empty();
  if (own_dir)
    dir = (std::filesystem::temp_directory_path() /
           ("wal-bench-" + std::to_string(::getpid())))
              .string();
  std::filesystem::create_directories(dir);
  auto dev = device_of(dir);
  std::printf("record %zu bytes, segments %llu MB%s, %s on device %s\n",
              record_bytes, static_cast<unsigned long long>(segment_mb),
              preallocate ? " preallocated" : "", dir.c_str(), dev.c_str());
  std::printf("%6s %10s %10s %9s %12s %12s %10s\n", "batch", "batches/s",
              "records/s", "framed B", "device B", "dirtied B", "CPU us");
  std::string payload(record_bytes, 'r');
  for (std::size_t batch : {1, 4, 16, 64, 256, 1024}) {
    std::filesystem::remove_all(dir);
    write_log_options o;
    o.dir = dir + "/log";
    o.segment_size = segment_mb << 20;
    o.preallocate = preallocate;
    auto log = write_log::open(o, 1, [](uint64_t, std::string_view) {});
    if (!log) {
      std::fprintf(stderr, "%s\n", log.error().message.c_str());
      return 1;
    }
    std::vector<std::string_view> records(batch, payload);
    auto framed = write_log::framed_size(records);
    // The first segment's preallocation is not counted.
    if (!log->append(records)) {
      std::fprintf(stderr, "append failed\n");
      return 1;
    }
    auto d0 = device_bytes(dev);
    auto w0 = read_io().write_bytes;
    auto c0 = cpu_seconds();
    auto t0 = std::chrono::steady_clock::now();
    uint64_t batches = 0;
    double elapsed = 0;
    while (elapsed < seconds) {
      auto s = log->append(records);
      if (!s) {
        std::fprintf(stderr, "%s\n", s.error().message.c_str());
        return 1;
      }
      ++batches;
      elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
              .count();
    }
    double n = static_cast<double>(batches * batch);
    std::printf("%6zu %10.0f %10.0f %9.0f %12.0f %12.0f %10.2f\n", batch,
                batches / elapsed, n / elapsed,
                static_cast<double>(framed) / batch,
                (device_bytes(dev) - d0) / n, (read_io().write_bytes - w0) / n,
                (cpu_seconds() - c0) * 1e6 / n);
    if (batch != 1024)
      continue;
    // Replay of what the largest batches wrote, as recovery reads it (from
    // the page cache: the files were just written).
    auto r0 = std::chrono::steady_clock::now();
    auto rc0 = cpu_seconds();
    uint64_t bytes = 0;
    auto again = write_log::open(
        o, 1, [&](uint64_t, std::string_view b) { bytes += b.size(); });
    double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - r0)
            .count();
    if (!again) {
      std::fprintf(stderr, "%s\n", again.error().message.c_str());
      return 1;
    }
    std::printf("replay: %llu records (%.0f MB) in %.2f s (%.2f s of CPU), "
                "%.0f records/s\n",
                static_cast<unsigned long long>(again->report().replayed),
                bytes / 1e6, took, cpu_seconds() - rc0,
                again->report().replayed / took);
  }
  if (own_dir)
    std::filesystem::remove_all(dir);
  return 0;
}
