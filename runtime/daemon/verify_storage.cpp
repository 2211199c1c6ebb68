#include "runtime/daemon/verify_storage.hpp"

#include <csignal>
#include <cstring>
#include <iostream>

#include <unistd.h>

#include "persistence/store_verify.hpp"

namespace intentd {

namespace {

void put(const char* s) {
  auto n = ::write(STDOUT_FILENO, s, std::strlen(s));
  (void)n;
}

/// LMDB has no page checksums: a damaged branch page can send it outside
/// the file. Only async-signal-safe calls here.
extern "C" void verify_on_fault(int sig) {
  put("DAMAGE ");
  put(verify_storage_table());
  put(sig == SIGBUS ? ": reading it faulted (SIGBUS)"
                    : ": reading it faulted "
                      "(SIGSEGV)");
  put(": a B-tree page is damaged beyond what can be checked\n"
      "damage found: restore the store from a backup (docs/operations.md, "
      "\"Damaged storage\")\n");
  ::_exit(1);
}

} // namespace

int run_verify_storage(const std::string& path) {
  struct sigaction sa {};
  sa.sa_handler = verify_on_fault;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  sigaction(SIGSEGV, &sa, nullptr);
  sigaction(SIGBUS, &sa, nullptr);
  std::cout << "verifying the store in " << path << " (read-only)" << std::endl;
  auto report = verify_storage(path);
  if (!report) {
    const bool damaged = report.error().code == errc::storage_corrupt;
    std::cout << (damaged ? "DAMAGE " : "") << report.error().message << "\n";
    if (damaged)
      std::cout << "damage found: restore the store from a backup "
                   "(docs/operations.md, \"Damaged storage\")\n";
    return damaged ? 1 : 2;
  }
  for (const auto& line : report->notes)
    std::cout << "  " << line << "\n";
  for (const auto& line : report->damage)
    std::cout << "DAMAGE " << line << "\n";
  if (report->clean()) {
    std::cout << "clean: every value passed its checksum and every index "
                 "entry matches its record\n";
    return 0;
  }
  std::cout << "damage found: " << report->damage.size()
            << " problem(s); restore the store from a backup "
               "(docs/operations.md, \"Damaged storage\")\n";
  return 1;
}

} // namespace intentd
