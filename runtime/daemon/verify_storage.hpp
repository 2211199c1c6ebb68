#pragma once

#include <string>

namespace intentd {

/// `intentd --verify-storage PATH`: walks the store in PATH read-only
/// (verify_storage), prints its report on stdout and returns the exit
/// status: 0 when clean, 1 when damage was found (a fault inside LMDB on a
/// damaged B-tree included: it is reported, not a crash), 2 when PATH holds
/// no store.
int run_verify_storage(const std::string& path);

} // namespace intentd
