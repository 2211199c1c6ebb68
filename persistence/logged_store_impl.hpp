#pragma once

#include <mutex>
#include <shared_mutex>

#include "persistence/live_table.hpp"
#include "persistence/logged_store.hpp"

namespace intentd {

struct logged_store::impl {
  logged_store_options opts;
  intent_store store;
  write_log log;
  logged_open_report report;
  uint64_t checkpoint_seq = 1;
  /// Guards `table`: put() and the checkpoint's trim hold it exclusively,
  /// reads shared for their whole duration, so that a read never sees an
  /// entry gone from the table before LMDB holds it.
  mutable std::shared_mutex mutex;
  live_table table;

  impl(logged_store_options o, intent_store s, write_log l)
      : opts(std::move(o)), store(std::move(s)), log(std::move(l)) {}
};

} // namespace intentd
