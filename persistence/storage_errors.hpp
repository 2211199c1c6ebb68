#pragma once

#include <cstdint>
#include <string>

#include "runtime/model/problem.hpp"

namespace intentd {

/// True for LMDB and errno codes that mean the data file cannot be trusted
/// (MDB_CORRUPTED, MDB_INVALID, MDB_VERSION_MISMATCH, MDB_INCOMPATIBLE,
/// MDB_PAGE_NOTFOUND).
bool is_corruption(int code);

/// True for EACCES, EPERM and EROFS.
bool is_read_only_error(int code);

/// A storage_unavailable problem for a failed LMDB call on the store in
/// `dir`: names the cause (disk full, read-only, corrupted file, full map)
/// and what an operator can do. `what` is the failing call's message.
problem storage_problem(int code, const std::string& what,
                        const std::string& dir);

/// The problem put() returns when the map reached `max_map_size` bytes.
problem map_full_problem(uint64_t map_size, uint64_t max_map_size);

/// The problem every write returns on a store opened read-only.
problem read_only_problem(const std::string& dir);

} // namespace intentd
