#include "persistence/lmdb_env.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
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

} // namespace

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
  int rc = mdb_txn_commit(std::exchange(handle_, nullptr));
  check("mdb_txn_commit", rc);
}

void txn::abort() noexcept {
  if (handle_)
    mdb_txn_abort(std::exchange(handle_, nullptr));
}

dbi dbi::open(MDB_txn* txn, const char* name, unsigned flags) {
  MDB_dbi handle = 0;
  check("mdb_dbi_open", mdb_dbi_open(txn, name, flags, &handle));
  return dbi{handle};
}

bool dbi::get(MDB_txn* txn, std::string_view key,
              std::string_view& value) const {
  MDB_val k = to_val(key);
  MDB_val v{0, nullptr};
  int rc = mdb_get(txn, handle_, &k, &v);
  if (rc == MDB_NOTFOUND)
    return false;
  check("mdb_get", rc);
  value = from_val(v);
  return true;
}

void dbi::put(MDB_txn* txn, std::string_view key, std::string_view value,
              unsigned flags) const {
  MDB_val k = to_val(key);
  MDB_val v = to_val(value);
  check("mdb_put", mdb_put(txn, handle_, &k, &v, flags));
}

bool dbi::del(MDB_txn* txn, std::string_view key) const {
  MDB_val k = to_val(key);
  int rc = mdb_del(txn, handle_, &k, nullptr);
  if (rc == MDB_NOTFOUND)
    return false;
  check("mdb_del", rc);
  return true;
}

std::uint64_t dbi::size(MDB_txn* txn) const {
  MDB_stat stat{};
  check("mdb_stat", mdb_stat(txn, handle_, &stat));
  return stat.ms_entries;
}

void dbi::clear(MDB_txn* txn) const {
  check("mdb_drop", mdb_drop(txn, handle_, 0));
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
  MDB_val k = to_val(key);
  MDB_val v{0, nullptr};
  int rc = mdb_cursor_get(handle_, &k, &v, op);
  if (rc == MDB_NOTFOUND)
    return false;
  check("mdb_cursor_get", rc);
  key = from_val(k);
  value = from_val(v);
  return true;
}

void cursor::put(std::string_view key, std::string_view value,
                 unsigned flags) {
  MDB_val k = to_val(key);
  MDB_val v = to_val(value);
  check("mdb_cursor_put", mdb_cursor_put(handle_, &k, &v, flags));
}

} // namespace intentd::lmdb
