#include "persistence/store_verify_walk.hpp"

#include <cstdio>

#include "persistence/storage_errors.hpp"

namespace intentd::verify_detail {

namespace {

/// Written before each table is walked and read by a fault handler, so a
/// fixed buffer rather than a string that may be reallocated.
char table_now[128] = "(opening)";

void set_table(const std::string& label, const char* table) {
  std::snprintf(table_now, sizeof table_now, "%s%s", label.c_str(), table);
}

} // namespace

const char* current_table() {
  return table_now;
}

outcome<std::unique_ptr<walker>> walker::open(const std::string& dir,
                                              std::string label,
                                              storage_report& report) {
  std::unique_ptr<walker> w{new walker(std::move(label), report)};
  set_table(w->label_, "(opening)");
  int code = 0;
  std::string what;
  for (unsigned flags : {MDB_RDONLY, MDB_RDONLY | MDB_NOLOCK}) {
    try {
      w->env_ = lmdb::env::create();
      w->env_.set_max_dbs(32);
      w->env_.open(dir, MDB_NOTLS | MDB_NORDAHEAD | flags);
      w->txn_.emplace(lmdb::txn::begin(w->env_.handle(), MDB_RDONLY));
      w->bounds_ = lmdb::map_bounds::of(w->env_.handle());
      return w;
    } catch (const lmdb::error& e) {
      code = e.code();
      what = e.what();
    }
    if (!is_read_only_error(code))
      break;
  }
  auto why = storage_problem(code, what, dir);
  if (is_corruption(code))
    why.code = errc::storage_corrupt;
  return why;
}

std::optional<lmdb::dbi> walker::open_db(const char* name, bool quiet) {
  set_table(label_, name);
  if (!txn_)
    return std::nullopt;
  try {
    return lmdb::dbi::open(txn_->handle(), name);
  } catch (const lmdb::error& e) {
    if (e.code() == MDB_NOTFOUND) {
      if (!quiet)
        note(std::string(name) + ": absent");
    } else {
      damage(std::string(name) + ": cannot be opened (" + e.what() + ")");
      renew();
    }
  }
  return std::nullopt;
}

void walker::walk(
    const char* table, const lmdb::dbi& db,
    const std::function<void(std::string_view, std::string_view)>& fn) {
  set_table(label_, table);
  uint64_t n = 0;
  if (!txn_)
    return;
  try {
    auto c = lmdb::cursor::open(txn_->handle(), db);
    std::string_view k;
    std::string_view v;
    for (bool found = c.get(k, v, MDB_FIRST); found;
         found = c.get(k, v, MDB_NEXT), ++n) {
      if (!in_file(k) || !in_file(v)) {
        damage(std::string(table) + ": entry " + std::to_string(n + 1) +
               " points outside the file; the walk of this table stopped");
        break;
      }
      fn(k, v);
    }
  } catch (const lmdb::error& e) {
    damage(std::string(table) + ": the B-tree is damaged (" + e.what() +
           "); the walk of this table stopped after " + std::to_string(n) +
           " entries");
    renew();
  }
  note(std::string(table) + ": " + std::to_string(n) + " entries");
}

bool walker::get(const lmdb::dbi& db, std::string_view key,
                 std::string_view& value) {
  if (!txn_)
    return false;
  try {
    return db.get(txn_->handle(), key, value) && in_file(value);
  } catch (const lmdb::error& e) {
    damage(std::string(table_now + label_.size()) + ": a lookup of " +
           show(key) + " failed, the B-tree is damaged (" + e.what() + ")");
    renew();
    return false;
  }
}

std::optional<bool> walker::find(const lmdb::dbi& db, std::string_view key,
                                 std::string_view& value) {
  if (!txn_)
    return std::nullopt;
  try {
    if (!db.get(txn_->handle(), key, value))
      return false;
  } catch (const lmdb::error& e) {
    damage(std::string(table_now + label_.size()) + ": a lookup of " +
           show(key) + " failed, the B-tree is damaged (" + e.what() + ")");
    renew();
    return std::nullopt;
  }
  if (!in_file(value)) {
    damage(std::string(table_now + label_.size()) + ": the value of " +
           show(key) + " lies outside the file");
    return std::nullopt;
  }
  return true;
}

bool walker::in_file(std::string_view bytes) const {
  return bounds_.contains(env_.handle(), bytes);
}

std::string walker::show(std::string_view bytes) const {
  bool text = !bytes.empty();
  for (char c : bytes)
    if (c < 0x21 || c > 0x7e)
      text = false;
  if (text)
    return std::string(bytes);
  static constexpr char digits[] = "0123456789abcdef";
  std::string out = "0x";
  for (char c : bytes) {
    out.push_back(digits[static_cast<uint8_t>(c) >> 4]);
    out.push_back(digits[static_cast<uint8_t>(c) & 0xf]);
  }
  return out;
}

void walker::renew() {
  // LMDB refuses every call on a transaction after an error: go on in a
  // fresh one (the same snapshot unless a daemon wrote in between).
  try {
    txn_.reset();
    txn_.emplace(lmdb::txn::begin(env_.handle(), MDB_RDONLY));
  } catch (const lmdb::error& e) {
    damage(std::string("cannot read on (") + e.what() + ")");
  }
}

void walker::damage(std::string line) {
  report_.damage.push_back(label_ + std::move(line));
}

void walker::note(std::string line) {
  report_.notes.push_back(label_ + std::move(line));
}

} // namespace intentd::verify_detail
