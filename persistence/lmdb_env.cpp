#include "persistence/lmdb_env.hpp"

#include <algorithm>
#include <atomic>
#include <csetjmp>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <utility>

#include <sys/stat.h>
#include <sys/sysmacros.h>

namespace intentd::lmdb {

namespace {

MDB_val to_val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}

std::string_view from_val(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

void check(const char* origin, int rc) {
  if (rc != MDB_SUCCESS)
    throw error(origin, rc);
}

// LMDB keeps no page checksums and trusts its pages: a damaged node can
// make a lookup follow a null pointer or read past the end of the file
// (SIGSEGV, SIGBUS). Lookups run under a guard: a fault inside one jumps
// back to it, and the lookup fails as MDB_CORRUPTED. Faults elsewhere go to
// the handler that was there before.
thread_local sigjmp_buf* fault_jump = nullptr;
std::atomic<bool> txn_lost{false};
/// Set when a write (put, del, drop) faulted on this thread: LMDB's state
/// of that transaction is unknown, and aborting it could fault again or
/// free what is not allocated, so it is left as it is.
thread_local bool write_faulted = false;

/// check() for a write call that ran under the guard.
void check_write(const char* origin, const char* called, int rc) {
  if (std::strcmp(origin, called) != 0)
    write_faulted = true;
  check(origin, rc);
}
/// The hook of the innermost read_fault_scope on this thread, or null.
thread_local const read_fault_fn* read_fault = nullptr;

struct sigaction previous_segv {};
struct sigaction previous_bus {};
std::mutex guard_mutex;

extern "C" void lmdb_guard_on_fault(int sig, siginfo_t* info, void* context) {
  if (sigjmp_buf* jump = fault_jump) {
    fault_jump = nullptr;
    siglongjmp(*jump, sig);
  }
  const struct sigaction& previous =
      sig == SIGBUS ? previous_bus : previous_segv;
  if ((previous.sa_flags & SA_SIGINFO) != 0 && previous.sa_sigaction) {
    previous.sa_sigaction(sig, info, context);
    return;
  }
  if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
    previous.sa_handler(sig);
    return;
  }
  // Returning runs the faulting instruction again, now with the default
  // action: the process dies of this signal as it would have.
  signal(sig, SIG_DFL);
}

/// Installs the guard's handler unless it is in place (something, a test
/// runner for one, may have put its own since), keeping the one before.
void install_guard() {
  std::lock_guard<std::mutex> lock(guard_mutex);
  for (int sig : {SIGSEGV, SIGBUS}) {
    struct sigaction current {};
    sigaction(sig, nullptr, &current);
    if ((current.sa_flags & SA_SIGINFO) != 0 &&
        current.sa_sigaction == lmdb_guard_on_fault)
      continue;
    struct sigaction sa {};
    sa.sa_sigaction = lmdb_guard_on_fault;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, sig == SIGBUS ? &previous_bus : &previous_segv);
  }
}

/// Runs `call` (an LMDB lookup) under the fault guard; a fault is
/// MDB_CORRUPTED with `origin` saying so. Nothing with a destructor may live
/// inside `call`.
template<class F>
int guarded(F&& call, const char*& origin) {
  sigjmp_buf jump;
  sigjmp_buf* outer = fault_jump;
  // No mask to save: the handler runs with SA_NODEFER and an empty
  // sa_mask, so nothing is blocked when it jumps back, and a lookup pays
  // no system call for the guard.
  if (sigsetjmp(jump, 0) != 0) {
    fault_jump = outer;
    origin = "LMDB faulted on a damaged page";
    return MDB_CORRUPTED;
  }
  fault_jump = &jump;
  int rc = call();
  fault_jump = outer;
  return rc;
}

} // namespace

read_fault_scope::read_fault_scope(const read_fault_fn* hook) noexcept
    : outer_(std::exchange(read_fault, hook && *hook ? hook : nullptr)) {}

read_fault_scope::~read_fault_scope() {
  read_fault = outer_;
}

void check_read_fault(const char* origin) {
  if (read_fault)
    if (int rc = (*read_fault)(); rc != 0)
      throw error(origin, rc);
}

error::error(const char* origin, int rc)
    : std::runtime_error(std::string(origin) + ": " + mdb_strerror(rc)),
      code_(rc) {}

env env::create() {
  MDB_env* handle = nullptr;
  check("mdb_env_create", mdb_env_create(&handle));
  return env{handle};
}

env::env(env&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)) {}

env& env::operator=(env&& other) noexcept {
  if (this != &other) {
    if (handle_)
      mdb_env_close(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

env::~env() {
  if (handle_)
    mdb_env_close(handle_);
}

void env::set_map_size(std::size_t bytes) {
  check("mdb_env_set_mapsize", mdb_env_set_mapsize(handle_, bytes));
}

std::size_t env::map_size() const {
  MDB_envinfo info{};
  check("mdb_env_info", mdb_env_info(handle_, &info));
  return info.me_mapsize;
}

void env::set_max_dbs(unsigned count) {
  check("mdb_env_set_maxdbs", mdb_env_set_maxdbs(handle_, count));
}

void env::open(const std::string& dir, unsigned flags, mdb_mode_t mode) {
  install_guard();
  check("mdb_env_open", mdb_env_open(handle_, dir.c_str(), flags, mode));
}

int env::reader_check() {
  int dead = 0;
  check("mdb_reader_check", mdb_reader_check(handle_, &dead));
  return dead;
}

map_bounds map_bounds::of(MDB_env* env) {
  map_bounds out;
  mdb_filehandle_t fd;
  struct stat st {};
  if (mdb_env_get_fd(env, &fd) != MDB_SUCCESS || ::fstat(fd, &st) != 0)
    return out;
  std::FILE* maps = std::fopen("/proc/self/maps", "r");
  if (!maps)
    return out;
  char line[4096];
  while (std::fgets(line, sizeof line, maps)) {
    unsigned long start = 0, end = 0, offset = 0, inode = 0;
    unsigned major = 0, minor = 0;
    char perms[8] = {};
    if (std::sscanf(line, "%lx-%lx %7s %lx %x:%x %lu", &start, &end, perms,
                    &offset, &major, &minor, &inode) != 7)
      continue;
    if (inode == st.st_ino && offset == 0 &&
        makedev(major, minor) == st.st_dev) {
      // An address read from /proc/self/maps has no pointer to come from.
      // NOLINTNEXTLINE(performance-no-int-to-ptr)
      out.base_ = reinterpret_cast<const char*>(start);
      out.length_ = end - start;
      break;
    }
  }
  std::fclose(maps);
  return out;
}

bool map_bounds::contains(MDB_env* env, std::string_view bytes) const {
  if (!base_ || bytes.data() < base_ || bytes.data() >= base_ + length_)
    return true;
  MDB_envinfo info{};
  MDB_stat stat{};
  if (mdb_env_info(env, &info) != MDB_SUCCESS ||
      mdb_env_stat(env, &stat) != MDB_SUCCESS)
    return true;
  std::size_t used = (info.me_last_pgno + 1) * std::size_t{stat.ms_psize};
  used = std::min(used, length_);
  auto offset = static_cast<std::size_t>(bytes.data() - base_);
  return offset <= used && bytes.size() <= used - offset;
}

txn txn::begin(MDB_env* env, unsigned flags) {
  MDB_txn* handle = nullptr;
  check("mdb_txn_begin", mdb_txn_begin(env, nullptr, flags, &handle));
  return txn{handle};
}

txn::txn(txn&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)) {}

txn& txn::operator=(txn&& other) noexcept {
  if (this != &other) {
    abort();
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

txn::~txn() {
  abort();
}

void txn::commit() {
  // mdb_txn_commit frees the handle even when it fails.
  MDB_txn* handle = std::exchange(handle_, nullptr);
  const char* origin = "mdb_txn_commit";
  int rc = guarded([&] { return mdb_txn_commit(handle); }, origin);
  if (rc == MDB_CORRUPTED && origin != std::string_view("mdb_txn_commit"))
    txn_lost = true;
  check(origin, rc);
}

void txn::abort() noexcept {
  if (!handle_)
    return;
  MDB_txn* handle = std::exchange(handle_, nullptr);
  if (write_faulted) {
    write_faulted = false;
    txn_lost = true;
    return;
  }
  const char* origin = "mdb_txn_abort";
  if (guarded(
          [&] {
            mdb_txn_abort(handle);
            return 0;
          },
          origin) != 0)
    txn_lost = true;
}

bool transaction_lost() {
  return txn_lost.load();
}

dbi dbi::open(MDB_txn* txn, const char* name, unsigned flags) {
  MDB_dbi handle = 0;
  check("mdb_dbi_open", mdb_dbi_open(txn, name, flags, &handle));
  return dbi{handle};
}

bool dbi::get(MDB_txn* txn, std::string_view key,
              std::string_view& value) const {
  check_read_fault("mdb_get");
  MDB_val k = to_val(key);
  MDB_val v{0, nullptr};
  const char* origin = "mdb_get";
  int rc = guarded([&] { return mdb_get(txn, handle_, &k, &v); }, origin);
  if (rc == MDB_NOTFOUND)
    return false;
  check(origin, rc);
  value = from_val(v);
  return true;
}

void dbi::put(MDB_txn* txn, std::string_view key, std::string_view value,
              unsigned flags) const {
  MDB_val k = to_val(key);
  MDB_val v = to_val(value);
  const char* origin = "mdb_put";
  int rc =
      guarded([&] { return mdb_put(txn, handle_, &k, &v, flags); }, origin);
  check_write(origin, "mdb_put", rc);
}

bool dbi::del(MDB_txn* txn, std::string_view key) const {
  MDB_val k = to_val(key);
  const char* origin = "mdb_del";
  int rc = guarded([&] { return mdb_del(txn, handle_, &k, nullptr); }, origin);
  if (rc == MDB_NOTFOUND)
    return false;
  check_write(origin, "mdb_del", rc);
  return true;
}

std::uint64_t dbi::size(MDB_txn* txn) const {
  MDB_stat stat{};
  check("mdb_stat", mdb_stat(txn, handle_, &stat));
  return stat.ms_entries;
}

void dbi::clear(MDB_txn* txn) const {
  const char* origin = "mdb_drop";
  int rc = guarded([&] { return mdb_drop(txn, handle_, 0); }, origin);
  check_write(origin, "mdb_drop", rc);
}

cursor cursor::open(MDB_txn* txn, const dbi& db) {
  MDB_cursor* handle = nullptr;
  check("mdb_cursor_open", mdb_cursor_open(txn, db.handle(), &handle));
  return cursor{handle};
}

cursor::cursor(cursor&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)) {}

cursor& cursor::operator=(cursor&& other) noexcept {
  if (this != &other) {
    if (handle_)
      mdb_cursor_close(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

cursor::~cursor() {
  if (handle_)
    mdb_cursor_close(handle_);
}

bool cursor::get(std::string_view& key, std::string_view& value,
                 MDB_cursor_op op) {
  check_read_fault("mdb_cursor_get");
  MDB_val k = to_val(key);
  MDB_val v{0, nullptr};
  const char* origin = "mdb_cursor_get";
  int rc = guarded([&] { return mdb_cursor_get(handle_, &k, &v, op); }, origin);
  if (rc == MDB_NOTFOUND)
    return false;
  check(origin, rc);
  key = from_val(k);
  value = from_val(v);
  return true;
}

void cursor::put(std::string_view key, std::string_view value, unsigned flags) {
  MDB_val k = to_val(key);
  MDB_val v = to_val(value);
  const char* origin = "mdb_cursor_put";
  int rc =
      guarded([&] { return mdb_cursor_put(handle_, &k, &v, flags); }, origin);
  check_write(origin, "mdb_cursor_put", rc);
}

} // namespace intentd::lmdb
