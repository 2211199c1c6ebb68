#include "runtime/daemon/chain_executions.hpp"

#include <cstdio>
#include <filesystem>
#include <ostream>
#include <sstream>

#include "persistence/chain_journal_lmdb.hpp"

namespace intentd {

namespace {

void put_json_string(std::ostream& out, const std::string& s) {
  out << '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out << '\\' << c;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out << buf;
    } else {
      out << c;
    }
  }
  out << '"';
}

const char* kind_name(chain_event_kind kind) {
  return kind == chain_event_kind::settle ? "settle" : "execute";
}

} // namespace

int run_chain_executions(const std::string& path, std::ostream& out,
                         std::ostream& err) {
  const std::string journal = (std::filesystem::path(path) / "chain").string();
  std::error_code ec;
  if (!std::filesystem::is_directory(journal, ec)) {
    err << "intentd: cannot read the chain's executions: no chain journal in "
        << journal
        << " (PATH is storage.path of a daemon run with chain.kind: "
           "simulated)\n";
    return 2;
  }
  auto found = read_chain_execution_events(journal);
  if (!found) {
    err << "intentd: cannot read the chain's executions in " << journal << ": "
        << found.error().message << "\n";
    return 2;
  }
  uint64_t total = 0;
  uint64_t from_log = 0;
  uint64_t twice = 0;
  std::ostringstream lines;
  for (const auto& [id, list] : *found) {
    lines << "{\"id\":";
    put_json_string(lines, id);
    lines << ",\"executions\":" << list.size() << ",\"transactions\":[";
    bool first = true;
    for (const auto& x : list) {
      lines << (first ? "" : ",") << "{\"tx_hash\":";
      put_json_string(lines, x.event.tx_hash);
      lines << ",\"block\":" << x.event.block << ",\"kind\":\""
            << kind_name(x.event.kind) << "\",\"in\":\""
            << (x.in_log ? "log" : "lmdb") << "\"}";
      first = false;
      from_log += x.in_log ? 1 : 0;
    }
    lines << "]}\n";
    total += list.size();
    twice += list.size() > 1 ? 1 : 0;
  }
  out << lines.str() << std::flush;
  err << "chain journal " << journal << ": " << found->size()
      << " intents executed, " << total << " executions (" << from_log
      << " from the log), " << twice << " intents executed more than once\n";
  return twice == 0 ? 0 : 1;
}

} // namespace intentd
