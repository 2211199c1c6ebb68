#include <algorithm>

#include "persistence/record_codec.hpp"
#include "persistence/store_impl.hpp"
#include "persistence/store_keys.hpp"

namespace intentd {

namespace {

constexpr char checkpoint_seq_key[] = "checkpoint_seq";

} // namespace

bool intent_store::impl::resize(uint64_t bytes) {
  if (!gate.try_lock_exclusive())
    return false;
  int rc = mdb_env_set_mapsize(env.handle(), bytes);
  if (rc == MDB_SUCCESS)
    bounds = lmdb::map_bounds::of(env.handle());
  gate.unlock_exclusive();
  if (rc != MDB_SUCCESS)
    return false;
  try {
    map_size = env.map_size();
  } catch (const lmdb::error&) {
    return false;
  }
  return true;
}

bool intent_store::impl::grow() {
  uint64_t current = map_size.load();
  if (current >= max_map_size)
    return false;
  uint64_t next = current > max_map_size / 2 ? max_map_size : current * 2;
  return resize(next);
}

problem intent_store::impl::failure(int code, const std::string& what) const {
  if (code == MDB_MAP_FULL)
    return map_full_problem(map_size.load(), max_map_size);
  return storage_problem(code, what, path);
}

problem intent_store::impl::read_failure(int code, const std::string& what,
                                         const std::string& where) const {
  if (!is_corruption(code))
    return failure(code, what);
  return damaged("storage is damaged: a page of " + path +
                 "/data.mdb cannot be read (" + what + ") while reading " +
                 where + "; restore the store from a backup");
}

outcome<done> intent_store::put(const std::vector<intent_record>& records) {
  for (const auto& rec : records)
    if (rec.request.id.empty())
      return problem{errc::bad_request, "a record without an id", {}};
  return impl_->write_txn([&](MDB_txn* t) {
    for (const auto& rec : records)
      impl_->write(t, rec);
    return done{};
  });
}

outcome<done> intent_store::put(const std::vector<intent_record>& records,
                                uint64_t checkpoint_seq) {
  for (const auto& rec : records)
    if (rec.request.id.empty())
      return problem{errc::bad_request, "a record without an id", {}};
  return impl_->write_txn([&](MDB_txn* t) {
    for (const auto& rec : records)
      impl_->write(t, rec);
    std::string value(8, '\0');
    for (int i = 0; i < 8; ++i)
      value[i] = static_cast<char>(checkpoint_seq >> (8 * i));
    impl_->meta.put(t, checkpoint_seq_key,
                    impl_->seal(checkpoint_seq_key, value));
    return done{};
  });
}

outcome<done> intent_store::write(const store_write& w) {
  for (const auto& rec : w.records)
    if (rec.request.id.empty())
      return problem{errc::bad_request, "a record without an id", {}};
  for (const auto& st : w.stats)
    if (st.solver_id.empty())
      return problem{errc::bad_request, "solver stats without an id", {}};
  return impl_->write_txn([&](MDB_txn* t) {
    for (const auto& rec : w.records)
      impl_->write(t, rec);
    for (const auto& id : w.erased) {
      std::string_view bytes;
      if (id.empty() || !impl_->records.get(t, id, bytes))
        continue;
      // A damaged record cannot be unindexed: it goes, its index entries
      // are found dangling and skipped by the reads.
      if (auto rec = impl_->decode(id, bytes))
        impl_->erase(t, *rec);
      else
        impl_->records.del(t, id);
    }
    for (const auto& st : w.stats)
      impl_->solvers.put(t, st.solver_id, encode_solver_stats(st));
    for (const auto& [account, raw_key] : w.account_keys)
      impl_->account_keys.put(t, raw_key, impl_->seal(raw_key, account));
    if (w.checkpoint_seq) {
      std::string value(8, '\0');
      for (int i = 0; i < 8; ++i)
        value[i] = static_cast<char>(*w.checkpoint_seq >> (8 * i));
      impl_->meta.put(t, checkpoint_seq_key,
                      impl_->seal(checkpoint_seq_key, value));
    }
    return done{};
  });
}

outcome<std::optional<uint64_t>> intent_store::checkpoint_seq() const {
  using result = outcome<std::optional<uint64_t>>;
  return impl_->read_txn("the checkpoint sequence", [&](MDB_txn* t) -> result {
    std::string_view stored;
    if (!impl_->meta.get(t, checkpoint_seq_key, stored))
      return std::optional<uint64_t>{};
    auto v = impl_->unsealed("meta", checkpoint_seq_key, stored);
    if (!v)
      return v.error();
    if (v->size() != 8)
      return impl_->damaged("storage is damaged: meta/checkpoint_seq holds " +
                            std::to_string(v->size()) +
                            " bytes; restore the store from a backup");
    uint64_t seq = 0;
    for (int i = 0; i < 8; ++i)
      seq |= uint64_t{static_cast<uint8_t>((*v)[i])} << (8 * i);
    return std::optional<uint64_t>{seq};
  });
}

outcome<done> intent_store::probe_write() {
  return impl_->write_txn([&](MDB_txn* t) {
    impl_->meta.put(t, "write_probe", "1");
    impl_->meta.del(t, "write_probe");
    return done{};
  });
}

outcome<done>
intent_store::put_solver_stats(const std::vector<solver_stats>& stats) {
  for (const auto& s : stats)
    if (s.solver_id.empty())
      return problem{errc::bad_request, "solver stats without an id", {}};
  return impl_->write_txn([&](MDB_txn* t) {
    for (const auto& s : stats)
      impl_->solvers.put(t, s.solver_id, encode_solver_stats(s));
    return done{};
  });
}

outcome<done> intent_store::put_account_key(const std::string& account,
                                            const std::string& raw_key) {
  return impl_->write_txn([&](MDB_txn* t) {
    impl_->account_keys.put(t, raw_key, impl_->seal(raw_key, account));
    return done{};
  });
}

outcome<std::size_t>
intent_store::purge_terminal_before(time_us cutoff, std::size_t max_batch) {
  if (max_batch == 0)
    return std::size_t{0};
  return impl_->write_txn([&](MDB_txn* t) {
    std::vector<std::string> due;
    {
      auto c = lmdb::cursor::open(t, impl_->by_updated);
      std::string_view k;
      std::string_view v;
      for (bool found = c.get(k, v, MDB_FIRST);
           found && due.size() < max_batch && keys::time_of(k, 0) < cutoff;
           found = c.get(k, v, MDB_NEXT))
        due.emplace_back(k);
    }
    for (const auto& key : due) {
      auto rec = impl_->load(t, keys::id_of(key, 0), key, keys::by_updated);
      // A damaged record is left for an operator to restore.
      if (rec && *rec)
        impl_->erase(t, **rec);
      else if (rec)
        impl_->by_updated.del(t, key);
    }
    return due.size();
  });
}

outcome<bool> intent_store::purge_dead_letter(const std::string& id) {
  if (id.empty())
    return false;
  return impl_->write_txn([&](MDB_txn* t) {
    std::string_view bytes;
    if (!impl_->records.get(t, id, bytes))
      return false;
    auto rec = impl_->decode(id, bytes);
    if (!rec || !rec->dead_letter)
      return false;
    impl_->erase(t, *rec);
    return true;
  });
}

} // namespace intentd
