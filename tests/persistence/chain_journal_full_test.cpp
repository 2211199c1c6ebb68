// A chain journal whose file cannot grow (the disk is full) keeps the
// block it could not commit and commits it once there is room again.
// RLIMIT_FSIZE stands in for the full disk: writes past the limit fail with
// EFBIG, as they fail with ENOSPC on a full filesystem, without root.

#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>

#include <sys/resource.h>

#include "persistence/chain_journal_lmdb.hpp"
#include "tests/persistence/store_fixture.hpp"

using namespace intentd;
using intentd::test::temp_dir;

namespace {

/// Caps the size of files this process writes, for its lifetime.
class file_size_cap {
public:
  explicit file_size_cap(uint64_t bytes) {
    getrlimit(RLIMIT_FSIZE, &old_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit capped = old_;
    capped.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &capped);
  }
  ~file_size_cap() {
    setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, old_handler_);
  }
  file_size_cap(const file_size_cap&) = delete;
  file_size_cap& operator=(const file_size_cap&) = delete;

private:
  rlimit old_{};
  void (*old_handler_)(int) = nullptr;
};

chain_event executed(const std::string& id) {
  return chain_event{
      chain_event_kind::execute,        id, "bob.near", "usdc.near", 1000,
      "0x" + std::string(60, 'a') + id, 1};
}

uint32_t executions(lmdb_chain_journal& j, const std::string& id) {
  auto n = j.executions(id);
  REQUIRE(n);
  return *n;
}

} // namespace

TEST_CASE("a journal that cannot commit keeps its block and commits it later") {
  temp_dir dir;
  chain_journal_options opts;
  opts.path = (dir.path() / "chain").string();
  opts.sync = false;
  auto opened = lmdb_chain_journal::open(opts);
  REQUIRE(opened);
  auto journal = std::move(*opened);
  REQUIRE(journal->record(executed("before")));
  REQUIRE(journal->flush());
  auto file = std::filesystem::path{opts.path} / "data.mdb";
  {
    file_size_cap full{std::filesystem::file_size(file)};
    for (int i = 0; i < 400; ++i)
      REQUIRE(journal->record(executed("held-" + std::to_string(i))));
    CHECK_FALSE(journal->flush());
    CHECK(journal->last_problem().code == errc::storage_unavailable);
    // The kept block still counts for lookups and takes more events.
    CHECK(executions(*journal, "held-7") == 1);
    REQUIRE(journal->record(executed("later")));
    CHECK(executions(*journal, "later") == 1);
    CHECK_FALSE(journal->flush());
    CHECK(executions(*journal, "held-399") == 1);
  }
  // Room again: the same flush succeeds with every event kept.
  REQUIRE(journal->flush());
  CHECK(journal->size() == 402);
  journal.reset();
  auto reopened = lmdb_chain_journal::open(opts);
  REQUIRE(reopened);
  CHECK((*reopened)->size() == 402);
  uint64_t replayed = 0;
  REQUIRE((*reopened)->replay([&](const chain_event&) { ++replayed; }));
  CHECK(replayed == 402);
  for (auto id : {"before", "held-0", "held-399", "later"})
    CHECK(executions(**reopened, id) == 1);
}
