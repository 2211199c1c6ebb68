#include "persistence/storage_errors.hpp"

#include <cerrno>

#include <lmdb.h>

namespace intentd {

namespace {

std::string mib(uint64_t bytes) {
  return std::to_string(bytes >> 20) + " MiB";
}

problem unavailable(std::string message) {
  return {errc::storage_unavailable, std::move(message), {}};
}

} // namespace

bool is_corruption(int code) {
  return code == MDB_CORRUPTED || code == MDB_INVALID ||
         code == MDB_VERSION_MISMATCH || code == MDB_INCOMPATIBLE ||
         code == MDB_PAGE_NOTFOUND;
}

bool is_read_only_error(int code) {
  return code == EACCES || code == EPERM || code == EROFS;
}

problem storage_problem(int code, const std::string& what,
                        const std::string& dir) {
  if (is_corruption(code))
    return unavailable("the storage file " + dir +
                       "/data.mdb is corrupted or not an intentd store (" +
                       what +
                       "); stop intentd, keep the damaged file aside and "
                       "restore data.mdb from a backup made with mdb_copy");
  if (code == ENOSPC || code == EDQUOT)
    return unavailable("disk full: no space left for the storage in " + dir +
                       " (" + what + "); free space, then retry");
  if (is_read_only_error(code))
    return unavailable("storage is read-only: cannot write to " + dir + " (" +
                       what + ")");
  if (code == MDB_PANIC)
    return unavailable("storage failed fatally (" + what +
                       "); restart intentd to reopen " + dir);
  if (code == MDB_MAP_FULL)
    return unavailable("storage is full: the memory map of " + dir +
                       " cannot grow (" + what +
                       "); raise storage.max_map_size_mb");
  if (code == MDB_TXN_FULL)
    return unavailable("storage batch too large (" + what +
                       "); write fewer records per commit");
  if (code == EIO)
    return unavailable("storage I/O error on " + dir + " (" + what +
                       "); check the disk");
  return unavailable("storage: " + what);
}

problem map_full_problem(uint64_t map_size, uint64_t max_map_size) {
  return unavailable(
      "storage is full: the database reached its map limit (" + mib(map_size) +
      " in use, storage.max_map_size_mb allows " + mib(max_map_size) +
      "); raise storage.max_map_size_mb or lower storage.retention_s");
}

problem read_only_problem(const std::string& dir) {
  return unavailable("storage is read-only: " + dir +
                     " was opened without write access; reads are served, "
                     "writes are refused");
}

} // namespace intentd
