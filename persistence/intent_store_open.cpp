#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>

#include "persistence/checksum.hpp"
#include "persistence/record_codec.hpp"
#include "persistence/store_impl.hpp"
#include "persistence/store_keys.hpp"

namespace intentd {

namespace {

constexpr unsigned max_dbs = 16;
constexpr char index_version_key[] = "index_version";
// 2: by_updated and by_expiry; 3: no by_user_all (a listing by user alone
// merges the user's ranges in by_user); 4: by_user keeps every live record
// of a user in one bucket; 5: the values of by_tx, nonces, account_keys and
// counts are sealed with a checksum of their key and bytes.
constexpr char current_index_version[] = "5";

/// The index version in `meta`: 0 when absent (a new store, or one older
/// than version 2). Any other value is damage, not a reason to rebuild:
/// throws MDB_CORRUPTED.
int stored_index_version(const lmdb::dbi& meta, MDB_txn* t) {
  std::string_view stored;
  if (!meta.get(t, index_version_key, stored))
    return 0;
  if (stored == "2" || stored == "3" || stored == "4" || stored == "5")
    return stored[0] - '0';
  throw lmdb::error("meta holds an unknown index version", MDB_CORRUPTED);
}

} // namespace

void intent_store::impl::open(const store_options& opts, unsigned extra_flags) {
  env = lmdb::env::create();
  env.set_map_size(opts.map_size);
  env.set_max_dbs(max_dbs);
  // MDB_NORDAHEAD: lookups are random; without it the kernel maps whole
  // read-ahead windows into the process and inflates its resident memory.
  unsigned flags =
      MDB_NOTLS | MDB_NORDAHEAD | extra_flags | (opts.sync ? 0u : MDB_NOSYNC);
  env.open(opts.path, flags);
  bounds = lmdb::map_bounds::of(env.handle());
  env.reader_check();
  read_only = (extra_flags & MDB_RDONLY) != 0;
  auto t = lmdb::txn::begin(env.handle(), read_only ? MDB_RDONLY : 0u);
  auto db = [&](const char* name) {
    return lmdb::dbi::open(t.handle(), name, read_only ? 0u : MDB_CREATE);
  };
  records = db("records");
  by_status = db("by_status");
  by_user = db("by_user");
  by_user_all = db("by_user_all");
  by_time = db("by_time");
  by_tx = db("by_tx");
  dead = db("dead");
  solvers = db("solvers");
  counts = db("counts");
  by_updated = db("by_updated");
  by_expiry = db("by_expiry");
  meta = db("meta");
  nonces = db("nonces");
  account_keys = db("account_keys");
  if (!read_only)
    upgrade_indexes(t.handle());
  index_version = stored_index_version(meta, t.handle());
  t.commit();
  map_size = env.map_size();
}

void intent_store::impl::seal_all(MDB_txn* t, const lmdb::dbi& db) const {
  auto c = lmdb::cursor::open(t, db);
  std::string_view k;
  std::string_view v;
  for (bool found = c.get(k, v, MDB_FIRST); found;
       found = c.get(k, v, MDB_NEXT)) {
    // Left as they are: a value that reaches past the file (reads refuse
    // it), and one sealed already (a damaged index version in `meta` must
    // not seal a sealed store twice; a bare value passes as sealed with a
    // chance of 2^-32).
    if (!bounds.contains(env.handle(), v) || unseal_value(k, v))
      continue;
    std::string key(k);
    c.put(key, seal_value(key, v), MDB_CURRENT);
  }
}

void intent_store::impl::upgrade_indexes(MDB_txn* t) const {
  int version = stored_index_version(meta, t);
  if (version == 5)
    return;
  seal_all(t, by_tx);
  seal_all(t, nonces);
  seal_all(t, account_keys);
  seal_all(t, counts);
  if (version == 4) {
    meta.put(t, index_version_key, current_index_version);
    return;
  }
  if (version < 3)
    by_user_all.clear(t);
  if (version < 2) {
    by_updated.clear(t);
    by_expiry.clear(t);
  }
  by_user.clear(t);
  auto c = lmdb::cursor::open(t, records);
  std::string_view k;
  std::string_view v;
  for (bool found = c.get(k, v, MDB_FIRST); found;
       found = c.get(k, v, MDB_NEXT)) {
    if (!bounds.contains(env.handle(), v))
      continue;
    auto rec = decode_record(v);
    if (!rec)
      continue;
    by_user.put(t, keys::by_user(*rec), {});
    if (version >= 2)
      continue;
    if (!is_terminal(rec->status))
      by_expiry.put(t, keys::by_expiry(*rec), {});
    else if (!rec->dead_letter)
      by_updated.put(t, keys::by_updated(*rec), {});
  }
  meta.put(t, index_version_key, current_index_version);
}

outcome<intent_store> intent_store::open(const store_options& opts) {
  if (opts.path.empty())
    return problem{errc::storage_unavailable, "storage path is empty", {}};
  if (!opts.read_only) {
    std::error_code ec;
    std::filesystem::create_directories(opts.path, ec);
    if (ec)
      return problem{errc::storage_unavailable,
                     "cannot create storage directory " + opts.path + ": " +
                         ec.message(),
                     {}};
  }
  auto p = std::make_unique<impl>();
  if (!opts.read_only) {
    auto lock = storage_lock::acquire(opts.path);
    if (!lock)
      return lock.error();
    p->lock = std::move(*lock);
  }
  p->path = opts.path;
  p->on_corrupt = opts.on_corrupt;
  p->read_fault = opts.read_fault;
  p->max_map_size = std::max(opts.max_map_size, opts.map_size);
  // Without write access the store is still served read-only; without
  // even a writable lock file, read-only without locking.
  const unsigned attempts[] = {0u, MDB_RDONLY, MDB_RDONLY | MDB_NOLOCK};
  int code = 0;
  std::string what;
  for (unsigned flags : attempts) {
    if (opts.read_only && (flags & MDB_RDONLY) == 0)
      continue;
    try {
      p->open(opts, flags);
      return intent_store{std::move(p)};
    } catch (const lmdb::error& e) {
      code = e.code();
      what = e.what();
    } catch (const std::exception& e) {
      return problem{errc::storage_unavailable,
                     "cannot open storage in " + opts.path + ": " + e.what(),
                     {}};
    }
    if (!is_read_only_error(code))
      break;
  }
  if (code == ENOENT && opts.read_only)
    return problem{errc::storage_unavailable,
                   "no store to open read-only in " + opts.path,
                   {}};
  if (code == MDB_NOTFOUND)
    return problem{errc::storage_unavailable,
                   "cannot open storage in " + opts.path +
                       " read-only: it lacks databases that a writable "
                       "intentd creates on its first start",
                   {}};
  auto why = storage_problem(code, what, opts.path);
  if (!is_corruption(code))
    why.message = "cannot open storage in " + opts.path + ": " + why.message;
  return why;
}

} // namespace intentd
