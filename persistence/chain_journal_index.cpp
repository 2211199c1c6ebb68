#include "persistence/chain_journal_index.hpp"

#include "persistence/chain_event_codec.hpp"
#include "persistence/checksum.hpp"

namespace intentd {

namespace {

constexpr std::string_view index_key = "index";

uint32_t parse_count(std::string_view text) {
  uint32_t n = 0;
  for (char c : text)
    if (c >= '0' && c <= '9')
      n = n * 10 + static_cast<uint32_t>(c - '0');
  return n;
}

std::string index_value(std::string_view key, uint64_t seq) {
  return seal_value(key, static_cast<char>(chain_index_format_version) +
                             chain_seq_key(seq));
}

problem corrupt(std::string why) {
  return problem{errc::storage_corrupt, "chain journal index: " + why, {}};
}

} // namespace

std::string chain_seq_key(uint64_t seq) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>(seq >> (8 * (7 - i)));
  return out;
}

uint64_t parse_chain_seq(std::string_view key) {
  uint64_t v = 0;
  for (char c : key.substr(0, 8))
    v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

void index_chain_event(MDB_txn* t, const chain_journal_dbs& d, uint64_t seq,
                       const chain_event& e) {
  if (e.kind == chain_event_kind::reserve)
    return;
  d.finals.put(t, e.intent_id, index_value(e.intent_id, seq));
  if (is_execution(e.kind)) {
    uint32_t n = chain_executions(t, d, e.intent_id);
    d.executions.put(t, e.intent_id, std::to_string(n + 1));
  }
  if (e.kind != chain_event_kind::release && !e.tx_hash.empty())
    d.txs.put(t, e.tx_hash, index_value(e.tx_hash, seq));
}

bool chain_index_current(MDB_txn* t, const chain_journal_dbs& d) {
  std::string_view v;
  return d.meta.get(t, index_key, v) && v.size() == 1 &&
         static_cast<uint8_t>(v[0]) == chain_index_format_version;
}

outcome<done> rebuild_chain_index(MDB_txn* t, const chain_journal_dbs& d) {
  d.executions.clear(t);
  d.finals.clear(t);
  d.txs.clear(t);
  auto c = lmdb::cursor::open(t, d.events);
  std::string_view k;
  std::string_view v;
  for (bool found = c.get(k, v, MDB_FIRST); found;
       found = c.get(k, v, MDB_NEXT)) {
    auto e = decode_chain_event(v);
    if (!e)
      return e.error();
    index_chain_event(t, d, parse_chain_seq(k), *e);
  }
  d.meta.put(t, index_key,
             std::string(1, static_cast<char>(chain_index_format_version)));
  return done{};
}

uint32_t chain_executions(MDB_txn* t, const chain_journal_dbs& d,
                          std::string_view intent_id) {
  std::string_view v;
  return d.executions.get(t, intent_id, v) ? parse_count(v) : 0;
}

outcome<std::optional<chain_event>>
indexed_chain_event(MDB_txn* t, const chain_journal_dbs& d,
                    const lmdb::dbi& index, std::string_view key) {
  std::string_view stored;
  if (!index.get(t, key, stored))
    return std::optional<chain_event>{};
  auto v = unseal_value(key, stored);
  if (!v)
    return corrupt("the entry of " + std::string(key) + " fails its checksum");
  if (v->size() != 9 ||
      static_cast<uint8_t>((*v)[0]) != chain_index_format_version)
    return corrupt("an entry of unknown format");
  std::string seq(v->substr(1));
  std::string_view bytes;
  if (!d.events.get(t, seq, bytes))
    return corrupt("an entry points to the missing event " +
                   std::to_string(parse_chain_seq(seq)));
  auto e = decode_chain_event(bytes);
  if (!e) {
    auto why = e.error();
    why.message += " (event " + std::to_string(parse_chain_seq(seq)) + ")";
    return why;
  }
  if (e->intent_id != key && e->tx_hash != key)
    return corrupt("the entry of " + std::string(key) + " points to event " +
                   std::to_string(parse_chain_seq(seq)) +
                   ", which is not its own");
  return std::optional<chain_event>{std::move(*e)};
}

} // namespace intentd
