#pragma once
// What a benchmark process costs the machine: its CPU time, the bytes it
// wrote (/proc/self/io) and the bytes the disk under a path received
// (/proc/diskstats: the whole disk, so other writers count too).
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

namespace intentd::bench {

/// User + system CPU seconds of this process so far.
inline double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

struct io_counters {
  uint64_t syscw = 0;
  /// Bytes handed to write calls.
  uint64_t wchar = 0;
  /// Bytes the kernel counted as dirtied: whole page-cache folios, which
  /// on ext4 can be far larger than the pages written.
  uint64_t write_bytes = 0;
};

/// This process's /proc/self/io.
inline io_counters read_io() {
  io_counters out;
  std::ifstream in("/proc/self/io");
  std::string key;
  uint64_t value = 0;
  while (in >> key >> value) {
    if (key == "syscw:")
      out.syscw = value;
    else if (key == "wchar:")
      out.wchar = value;
    else if (key == "write_bytes:")
      out.write_bytes = value;
  }
  return out;
}

/// The /proc/diskstats name of the block device holding `path`.
inline std::string device_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return {};
  std::ifstream in("/sys/dev/block/" + std::to_string(major(st.st_dev)) + ":" +
                   std::to_string(minor(st.st_dev)) + "/uevent");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("DEVNAME=", 0) == 0)
      return line.substr(8);
  return {};
}

/// Bytes written to block device `dev` since boot.
inline uint64_t device_bytes(const std::string& dev) {
  std::ifstream in("/proc/diskstats");
  std::string line;
  while (std::getline(in, line)) {
    unsigned major_no = 0;
    unsigned minor_no = 0;
    char name[64] = {};
    unsigned long long f[7] = {};
    if (std::sscanf(line.c_str(),
                    "%u %u %63s %llu %llu %llu %llu %llu %llu %llu", &major_no,
                    &minor_no, name, &f[0], &f[1], &f[2], &f[3], &f[4], &f[5],
                    &f[6]) == 10 &&
        dev == name)
      return f[6] * 512;
  }
  return 0;
}

} // namespace intentd::bench
