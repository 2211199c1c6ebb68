#include "config/yaml_reader.hpp"

#include <algorithm>
#include <utility>

#include "config/load.hpp"
#include "config/schema.hpp"
#include "config/suggest.hpp"

namespace intentd::cfg {

int line_of(const YAML::Node& node, int fallback) {
  const auto mark = node.Mark();
  return mark.is_null() || mark.line < 0 ? fallback : mark.line + 1;
}

namespace {

std::string join(const std::vector<std::string>& names) {
  std::string result;
  for (const auto& name : names)
    result += (result.empty() ? "" : ", ") + name;
  return result;
}

} // namespace

void fail(const std::string& path, int line, const std::string& problem) {
  std::string where = path.empty() ? "config" : path;
  if (line > 0)
    where += " (line " + std::to_string(line) + ")";
  throw config_error(where + ": " + problem);
}

yaml_reader::yaml_reader(const YAML::Node& map, std::string path,
                         const std::vector<std::string>& valid_keys)
    : path_(std::move(path)) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    const int line = line_of(it->first, 0);
    if (!it->first.IsScalar())
      fail(path_, line, "keys must be plain names, got " + describe(it->first));
    const std::string& key = it->first.Scalar();
    if (const entry* earlier = find(key))
      fail(child(key), line,
           "duplicate key (first given on line " +
               std::to_string(earlier->line) + ")");
    if (std::find(valid_keys.begin(), valid_keys.end(), key) ==
        valid_keys.end()) {
      std::string problem = "unknown key";
      if (auto near = nearest(key, valid_keys); !near.empty())
        problem += "; did you mean `" + near + "`?";
      else
        problem += ";";
      fail(child(key), line, problem + " valid keys: " + join(valid_keys));
    }
    entries_.push_back({key, it->second, line});
  }
}

const yaml_reader::entry* yaml_reader::find(std::string_view name) const {
  for (const auto& e : entries_)
    if (e.key == name)
      return &e;
  return nullptr;
}

std::string yaml_reader::child(std::string_view name) const {
  return path_.empty() ? std::string{name} : path_ + "." + std::string{name};
}

void yaml_reader::require(bool ok, std::initializer_list<const char*> keys,
                          const std::string& problem) {
  if (ok)
    return;
  for (const char* key : keys)
    if (const entry* found = find(key))
      fail(child(key), found->line, problem);
  fail(child(*keys.begin()), 0, problem);
}

void yaml_reader::tokens(const char* name, std::vector<token>& value) {
  const entry* found = find(name);
  if (found == nullptr)
    return;
  const std::string path = child(name);
  if (!found->value.IsSequence())
    fail(path, found->line,
         "expected a list of tokens, each a map with id, decimals and price,"
         " got " +
             describe(found->value));
  std::vector<token> result;
  std::vector<std::pair<std::string, int>> seen;
  for (size_t i = 0; i < found->value.size(); ++i) {
    const YAML::Node item = found->value[i];
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    const int line = line_of(item, found->line);
    if (!item.IsMap())
      fail(item_path, line,
           "expected a map with id, decimals and price, got " + describe(item));
    token t;
    read_section(item, item_path, line, t);
    for (const char* required : {"id", "decimals"})
      if (!item[required])
        fail(item_path, line,
             std::string{"missing required key `"} + required + "`");
    for (const auto& [id, first_line] : seen)
      if (id == t.id)
        fail(item_path + ".id", line_of(item["id"], line),
             "duplicate token id \"" + t.id + "\" (first given on line " +
                 std::to_string(first_line) + ")");
    seen.emplace_back(t.id, line_of(item["id"], line));
    result.push_back(std::move(t));
  }
  if (result.empty())
    fail(path, found->line, "must list at least one token");
  value = std::move(result);
}

} // namespace intentd::cfg
