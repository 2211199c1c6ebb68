#include <map>
#include <string>

#include "persistence/chain_event_codec.hpp"
#include "persistence/chain_journal_index.hpp"
#include "persistence/chain_snapshot_codec.hpp"
#include "persistence/checksum.hpp"
#include "persistence/store_verify_walk.hpp"

namespace intentd::verify_detail {

namespace {

/// Checks one finals or txs entry: it names an event that decodes and is
/// the key's (its intent or its transaction).
void check_pointer(walker& w, const lmdb::dbi& events, const char* table,
                   std::string_view k, std::string_view v, bool sealed) {
  std::optional<std::string_view> entry = v;
  if (sealed)
    entry = unseal_value(k, v);
  if (!entry) {
    w.damage(std::string(table) + ": the entry of " + w.show(k) +
             " fails its checksum");
    return;
  }
  if (entry->size() != 9) {
    w.damage(std::string(table) + ": a malformed entry for " + w.show(k));
    return;
  }
  std::string seq(entry->substr(1));
  std::string_view bytes;
  if (!w.get(events, seq, bytes)) {
    w.damage(std::string(table) + ": the entry of " + w.show(k) +
             " names the missing event " +
             std::to_string(parse_chain_seq(seq)));
    return;
  }
  auto e = decode_chain_event(bytes);
  if (e && e->intent_id != k && e->tx_hash != k)
    w.damage(std::string(table) + ": the entry of " + w.show(k) +
             " names event " + std::to_string(parse_chain_seq(seq)) +
             ", which is not its own");
}

uint32_t parse_count(std::string_view text, bool& ok) {
  uint32_t n = 0;
  ok = !text.empty() && text.size() <= 9;
  for (char c : text) {
    if (c < '0' || c > '9')
      ok = false;
    else
      n = n * 10 + static_cast<uint32_t>(c - '0');
  }
  return n;
}

} // namespace

void check_chain_journal(walker& w) {
  auto events = w.open_db("events");
  if (!events)
    return;
  auto meta = w.open_db("meta", true);
  // The ledger snapshot, checked against the fold of the events it covers
  // (the parts that need no configuration: block and reservations).
  std::optional<chain_ledger> snapshot;
  std::size_t snapshot_bytes = 0;
  if (meta) {
    std::string_view v;
    if (w.get(*meta, chain_snapshot_key, v)) {
      snapshot_bytes = v.size();
      auto decoded = decode_chain_snapshot(v);
      if (decoded)
        snapshot = std::move(*decoded);
      else
        w.damage("meta: " + decoded.error().message);
    }
  }
  chain_ledger folded;
  std::map<std::string, uint32_t> executed;
  uint64_t unsealed = 0;
  w.walk("events", *events, [&](std::string_view k, std::string_view v) {
    auto e = decode_chain_event(v);
    if (k.size() != 8 || !e) {
      w.damage(
          "events: event " +
          (k.size() == 8 ? std::to_string(parse_chain_seq(k)) : w.show(k)) +
          ": " + (e ? std::string("a malformed key") : e.error().message));
      return;
    }
    if (v.size() > 2 && static_cast<uint8_t>(v[2]) == 1)
      ++unsealed;
    if (is_execution(e->kind))
      ++executed[e->intent_id];
    if (snapshot && parse_chain_seq(k) < snapshot->events)
      fold_chain_reservations(folded, *e);
  });
  if (snapshot) {
    const std::string at = "meta: the ledger snapshot at event " +
                           std::to_string(snapshot->events);
    if (folded.events != snapshot->events)
      w.damage(at + " covers events the journal does not hold (" +
               std::to_string(folded.events) + " readable before it)");
    else if (folded.block != snapshot->block)
      w.damage(at + " says block " + std::to_string(snapshot->block) +
               ", the events reach block " + std::to_string(folded.block));
    else if (folded.reservations != snapshot->reservations)
      w.damage(at + " holds " + std::to_string(snapshot->reservations.size()) +
               " reservations that differ from the events' " +
               std::to_string(folded.reservations.size()));
    else
      w.note(at + ": " + std::to_string(snapshot->balances.size()) +
             " accounts, " + std::to_string(snapshot->reservations.size()) +
             " reservations, " + std::to_string(snapshot_bytes) + " bytes");
  }
  if (unsealed > 0)
    w.note("events: " + std::to_string(unsealed) +
           " written before checksums (format 1)");
  bool sealed = false;
  if (meta) {
    std::string_view v;
    if (w.get(*meta, "index", v) && v.size() == 1) {
      sealed = static_cast<uint8_t>(v[0]) >= 2;
      if (static_cast<uint8_t>(v[0]) != chain_index_format_version)
        w.note("meta: index of format " +
               std::to_string(static_cast<uint8_t>(v[0])) +
               ", rebuilt from the events when the journal next opens");
    }
  }
  for (const char* table : {"finals", "txs"})
    if (auto db = w.open_db(table, true))
      w.walk(table, *db, [&](std::string_view k, std::string_view v) {
        check_pointer(w, *events, table, k, v, sealed);
      });
  if (auto intents = w.open_db("intents", true))
    w.walk("intents", *intents, [&](std::string_view k, std::string_view v) {
      auto info = decode_chain_intent_info(k, v);
      if (!info)
        w.damage("intents: " + info.error().message);
    });
  auto executions = w.open_db("executions", true);
  if (!executions)
    return;
  std::map<std::string, uint32_t> listed;
  w.walk("executions", *executions,
         [&](std::string_view k, std::string_view v) {
           bool ok = false;
           uint32_t n = parse_count(v, ok);
           if (!ok) {
             w.damage("executions: the count of intent " + w.show(k) +
                      " is not a number");
             return;
           }
           listed.emplace(std::string(k), n);
           auto i = executed.find(std::string(k));
           uint32_t events_say = i == executed.end() ? 0 : i->second;
           if (events_say != n)
             w.damage("executions: intent " + w.show(k) + " says " +
                      std::to_string(n) + ", the events hold " +
                      std::to_string(events_say));
         });
  for (const auto& [id, n] : executed)
    if (listed.count(id) == 0)
      w.damage("executions: no count for intent " + w.show(id) + ", the " +
               "events hold " + std::to_string(n));
}

} // namespace intentd::verify_detail
