#include "persistence/store_verify.hpp"

#include <array>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string_view>

#include "persistence/chain_log_format.hpp"
#include "persistence/checksum.hpp"
#include "persistence/lmdb_env.hpp"
#include "persistence/logged_store.hpp"
#include "persistence/record_codec.hpp"
#include "persistence/store_keys.hpp"
#include "persistence/store_verify_walk.hpp"

namespace intentd {

namespace {

using verify_detail::walker;

/// The key a record should have in a keyed index; empty when it has none.
using expected_fn = std::string (*)(const intent_record&);

std::string expect_status(const intent_record& r) {
  return keys::by_status(r);
}
std::string expect_user(const intent_record& r) {
  return keys::by_user(r);
}
std::string expect_time(const intent_record& r) {
  return keys::by_time(r);
}
std::string expect_dead(const intent_record& r) {
  return r.dead_letter ? keys::by_time(r) : std::string();
}
std::string expect_expiry(const intent_record& r) {
  return is_terminal(r.status) ? std::string() : keys::by_expiry(r);
}
std::string expect_updated(const intent_record& r) {
  return is_terminal(r.status) && !r.dead_letter ? keys::by_updated(r)
                                                 : std::string();
}

std::size_t no_prefix(std::string_view) {
  return 0;
}
std::size_t status_prefix(std::string_view) {
  return 1;
}
std::size_t user_prefix(std::string_view key) {
  auto end = key.find('\0');
  return end == std::string_view::npos ? key.size() : end + 2;
}

struct keyed_index {
  const char* name;
  lmdb::dbi db;
  std::size_t (*prefix)(std::string_view key);
  expected_fn expected;
};

uint64_t u64_le(std::string_view s) {
  uint64_t v = 0;
  for (std::size_t i = 0; i < s.size() && i < 8; ++i)
    v |= uint64_t{static_cast<uint8_t>(s[i])} << (8 * i);
  return v;
}

bool holds_tx(const intent_record& rec, std::string_view hash) {
  for (const auto& tx : rec.execution.transactions)
    if (tx.hash == hash)
      return true;
  return false;
}

class store_check {
public:
  store_check(walker& w) : w_(w) {}

  void run() {
    std::string_view version;
    sealed_ = false;
    if (auto meta = w_.open_db("meta")) {
      if (w_.get(*meta, "index_version", version))
        sealed_ = version == "5";
      w_.note("meta: index version " +
              (version.empty() ? std::string("none") : std::string(version)) +
              (sealed_ ? " (small values sealed)"
                       : " (small values without checksums)"));
    }
    auto records = w_.open_db("records");
    if (!records)
      return;
    records_ = *records;
    const std::array<std::pair<const char*, keyed_index>, 6> tables = {{
        {"by_status", {"by_status", {}, status_prefix, expect_status}},
        {"by_user", {"by_user", {}, user_prefix, expect_user}},
        {"by_time", {"by_time", {}, no_prefix, expect_time}},
        {"dead", {"dead", {}, no_prefix, expect_dead}},
        {"by_expiry", {"by_expiry", {}, no_prefix, expect_expiry}},
        {"by_updated", {"by_updated", {}, no_prefix, expect_updated}},
    }};
    for (const auto& [name, index] : tables)
      if (auto db = w_.open_db(name)) {
        indexes_.push_back(index);
        indexes_.back().db = *db;
      }
    by_tx_ = w_.open_db("by_tx");
    nonces_ = w_.open_db("nonces");
    walk_records();
    for (const auto& index : indexes_)
      walk_index(index);
    walk_by_tx();
    walk_nonces();
    walk_account_keys();
    walk_counts();
    walk_solvers();
    if (auto old = w_.open_db("by_user_all", true))
      w_.walk("by_user_all", *old, [&](std::string_view k, std::string_view) {
        w_.damage("by_user_all: a leftover entry " + w_.show(k) +
                  " (this table is emptied when the store opens)");
      });
  }

private:
  /// The payload of a value in a sealed table.
  std::optional<std::string_view>
  unseal(const char* table, std::string_view key, std::string_view value) {
    if (!sealed_)
      return value;
    auto payload = unseal_value(key, value);
    if (!payload)
      w_.damage(std::string(table) + ": the entry " + w_.show(key) +
                " fails its checksum");
    return payload;
  }

  /// The record of `id`, nullopt when missing or unreadable (the records
  /// walk reports those).
  std::optional<intent_record> record(std::string_view id, bool& exists) {
    std::string_view bytes;
    exists = !id.empty() && w_.get(records_, id, bytes);
    if (!exists || !w_.in_file(bytes))
      return std::nullopt;
    auto rec = decode_record(bytes);
    if (!rec || rec->request.id != id)
      return std::nullopt;
    return std::move(*rec);
  }

  void walk_records() {
    uint64_t unsealed = 0;
    w_.walk("records", records_, [&](std::string_view k, std::string_view v) {
      auto rec = decode_record(v);
      if (!rec) {
        ++unreadable_;
        w_.damage("records: intent " + w_.show(k) + ": " + rec.error().message);
        return;
      }
      if (rec->request.id != k) {
        ++unreadable_;
        w_.damage("records: the value under intent " + w_.show(k) +
                  " holds intent " + w_.show(rec->request.id));
        return;
      }
      if (record_version(v) == record_unsealed_version)
        ++unsealed;
      ++counted_[static_cast<int>(rec->status)];
      check_links(*rec);
    });
    if (unsealed > 0)
      w_.note("records: " + std::to_string(unsealed) +
              " written before checksums (format 1): read, not verifiable "
              "until they are next written");
  }

  /// The index entries a record should have.
  void check_links(const intent_record& rec) {
    auto id = w_.show(rec.request.id);
    std::string_view v;
    for (const auto& index : indexes_) {
      auto key = index.expected(rec);
      if (!key.empty() && !w_.get(index.db, key, v))
        w_.damage(std::string(index.name) + ": no entry for intent " + id);
    }
    if (by_tx_)
      for (const auto& tx : rec.execution.transactions)
        if (!tx.hash.empty() && !w_.get(*by_tx_, tx.hash, v))
          w_.damage("by_tx: no entry for transaction " + w_.show(tx.hash) +
                    " of intent " + id);
    if (nonces_ && !rec.request.signature.empty() &&
        !w_.get(*nonces_,
                keys::by_nonce(rec.request.user_account, rec.request.nonce), v))
      w_.damage("nonces: no entry for nonce " +
                std::to_string(rec.request.nonce) + " of intent " + id);
  }

  void walk_index(const keyed_index& index) {
    std::string name = index.name;
    w_.walk(index.name, index.db, [&](std::string_view k, std::string_view v) {
      auto id = keys::id_of(k, index.prefix(k));
      if (!v.empty() || id.empty()) {
        w_.damage(name + ": a malformed entry " + w_.show(k));
        return;
      }
      bool exists = false;
      auto rec = record(id, exists);
      if (!exists)
        w_.damage(name + ": an entry names intent " + w_.show(id) +
                  ", which has no record");
      else if (rec && index.expected(*rec) != k)
        w_.damage(name + ": the entry " + w_.show(k) +
                  " does not match the record of intent " + w_.show(id));
    });
  }

  void walk_by_tx() {
    if (!by_tx_)
      return;
    w_.walk("by_tx", *by_tx_, [&](std::string_view k, std::string_view v) {
      auto id = unseal("by_tx", k, v);
      if (!id)
        return;
      bool exists = false;
      auto rec = record(*id, exists);
      if (!exists)
        w_.damage("by_tx: transaction " + w_.show(k) + " names intent " +
                  w_.show(*id) + ", which has no record");
      else if (rec && !holds_tx(*rec, k))
        w_.damage("by_tx: transaction " + w_.show(k) + " names intent " +
                  w_.show(*id) + ", which does not hold it");
    });
  }

  void walk_nonces() {
    if (!nonces_)
      return;
    w_.walk("nonces", *nonces_, [&](std::string_view k, std::string_view v) {
      auto id = unseal("nonces", k, v);
      if (!id)
        return;
      if (k.size() < 9 || k[k.size() - 9] != '\0') {
        w_.damage("nonces: a malformed key " + w_.show(k));
        return;
      }
      bool exists = false;
      auto rec = record(*id, exists); // purged intents keep their nonce
      if (rec &&
          keys::by_nonce(rec->request.user_account, rec->request.nonce) != k)
        w_.damage("nonces: the entry " + w_.show(k) + " names intent " +
                  w_.show(*id) + ", whose nonce differs");
    });
  }

  void walk_account_keys() {
    auto db = w_.open_db("account_keys");
    if (!db)
      return;
    w_.walk("account_keys", *db, [&](std::string_view k, std::string_view v) {
      auto account = unseal("account_keys", k, v);
      if (account && (account->empty() || k.size() != 32))
        w_.damage("account_keys: a malformed entry " + w_.show(k));
    });
  }

  void walk_counts() {
    auto db = w_.open_db("counts");
    if (!db)
      return;
    if (unreadable_ > 0) {
      w_.note("counts: not recounted, " + std::to_string(unreadable_) +
              " records cannot be read");
      return;
    }
    std::array<bool, intent_status_count> seen{};
    w_.walk("counts", *db, [&](std::string_view k, std::string_view v) {
      auto n = unseal("counts", k, v);
      if (!n)
        return;
      auto s = k.size() == 1 ? static_cast<uint8_t>(k[0]) : 255;
      if (s >= intent_status_count || n->size() != 8) {
        w_.damage("counts: a malformed entry " + w_.show(k));
        return;
      }
      seen[s] = true;
      if (u64_le(*n) != counted_[s])
        w_.damage(std::string("counts: ") +
                  to_string(static_cast<intent_status>(s)) + " says " +
                  std::to_string(u64_le(*n)) + ", the records hold " +
                  std::to_string(counted_[s]));
    });
    for (int s = 0; s < intent_status_count; ++s)
      if (!seen[s] && counted_[s] != 0)
        w_.damage(std::string("counts: no count of ") +
                  to_string(static_cast<intent_status>(s)) +
                  ", the records "
                  "hold " +
                  std::to_string(counted_[s]));
  }

  void walk_solvers() {
    auto db = w_.open_db("solvers");
    if (!db)
      return;
    w_.walk("solvers", *db, [&](std::string_view k, std::string_view v) {
      solver_stats s;
      if (!decode_solver_stats(v, s))
        w_.damage("solvers: the counters of solver " + w_.show(k) +
                  " cannot be read");
    });
  }

  walker& w_;
  bool sealed_ = false;
  lmdb::dbi records_;
  std::vector<keyed_index> indexes_;
  std::optional<lmdb::dbi> by_tx_;
  std::optional<lmdb::dbi> nonces_;
  std::array<uint64_t, intent_status_count> counted_{};
  uint64_t unreadable_ = 0;
};

/// A log_decoder from a payload decoder: its problem's message, if any.
template<auto Decode>
verify_detail::log_decoder decoder_of() {
  return [](std::string_view b, uint64_t seq) -> std::optional<std::string> {
    auto e = Decode(b, seq);
    if (!e)
      return e.error().message;
    return std::nullopt;
  };
}

} // namespace

outcome<storage_report> verify_storage(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(fs::path(path) / "data.mdb", ec))
    return problem{errc::storage_unavailable,
                   "no store in " + path + " (no data.mdb)",
                   {}};
  storage_report report;
  {
    auto w = walker::open(path, "", report);
    if (!w)
      return w.error();
    store_check check(**w);
    check.run();
    verify_detail::check_write_log(**w, (fs::path(path) / "wal").string(),
                                   "wal", decoder_of<decode_log_entry>());
  }
  auto chain = (fs::path(path) / "chain").string();
  if (fs::exists(fs::path(chain) / "data.mdb", ec)) {
    auto w = walker::open(chain, "chain ", report);
    if (!w) {
      report.damage.push_back("chain: " + w.error().message);
    } else {
      verify_detail::check_chain_journal(**w);
      verify_detail::check_write_log(**w, chain_log_dir(chain), "chain wal",
                                     decoder_of<decode_chain_log_entry>());
    }
  }
  return report;
}

const char* verify_storage_table() {
  return verify_detail::current_table();
}

} // namespace intentd
