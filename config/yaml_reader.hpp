#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/checks.hpp"
#include "config/config.hpp"
#include "config/scalar.hpp"

namespace intentd::cfg {

/// Throws config_error as "<path> (line N): <problem>"; line 0 omits the
/// line.
[[noreturn]] void fail(const std::string& path, int line,
                       const std::string& problem);

/// The 1-based line of `node`, or `fallback` when unknown.
int line_of(const YAML::Node& node, int fallback);

/// Collects the key names a section's inspect function declares.
class key_lister {
public:
  template<class T, class Check = no_check>
  void field(const char* name, T&, Check = {}) {
    keys_.emplace_back(name);
  }

  template<class T>
  void section(const char* name, T&) {
    keys_.emplace_back(name);
  }

  void tokens(const char* name, std::vector<token>&) {
    keys_.emplace_back(name);
  }

  template<class T>
  void list(const char* name, std::vector<T>&) {
    keys_.emplace_back(name);
  }

  void require(bool, std::initializer_list<const char*>, const std::string&) {}

  const std::vector<std::string>& keys() const { return keys_; }

private:
  std::vector<std::string> keys_;
};

/// Reads one YAML map into a section struct, strictly: unknown and duplicate
/// keys, wrong types and failed checks throw config_error.
class yaml_reader {
public:
  yaml_reader(const YAML::Node& map, std::string path,
              const std::vector<std::string>& valid_keys);

  template<class T, class Check = no_check>
  void field(const char* name, T& value, Check check = {}) {
    const entry* found = find(name);
    if (found == nullptr)
      return;
    if (auto problem = read_scalar(found->value, value); !problem.empty())
      fail(child(name), found->line, problem);
    if (auto problem = check(value); !problem.empty())
      fail(child(name), found->line, problem);
  }

  template<class T>
  void section(const char* name, T& value);

  void tokens(const char* name, std::vector<token>& value);

  /// A list of maps, each read as a section; an empty list is fine.
  template<class T>
  void list(const char* name, std::vector<T>& value);

  /// Fails unless `ok`, blaming the first of `keys` present in the map.
  void require(bool ok, std::initializer_list<const char*> keys,
               const std::string& problem);

private:
  struct entry {
    std::string key;
    YAML::Node value;
    int line;
  };

  const entry* find(std::string_view name) const;
  std::string child(std::string_view name) const;

  std::string path_;
  std::vector<entry> entries_;
};

/// Reads `node` into `out` when it is a map; leaves defaults when it is
/// null; fails otherwise.
template<class T>
void read_section(const YAML::Node& node, const std::string& path, int line,
                  T& out) {
  if (!node.IsDefined() || node.IsNull())
    return;
  if (!node.IsMap())
    fail(path, line, "expected a map of keys, got " + describe(node));
  key_lister names;
  T probe;
  inspect(names, probe);
  yaml_reader reader(node, path, names.keys());
  inspect(reader, out);
}

template<class T>
void yaml_reader::list(const char* name, std::vector<T>& value) {
  const entry* found = find(name);
  if (found == nullptr || found->value.IsNull())
    return;
  const std::string path = child(name);
  if (!found->value.IsSequence())
    fail(path, found->line,
         "expected a list of maps, got " + describe(found->value));
  std::vector<T> result;
  for (std::size_t i = 0; i < found->value.size(); ++i) {
    const YAML::Node item = found->value[i];
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    const auto mark = item.Mark();
    const int line = mark.is_null() ? found->line : mark.line + 1;
    if (!item.IsMap())
      fail(item_path, line, "expected a map, got " + describe(item));
    T t;
    read_section(item, item_path, line, t);
    key_lister names;
    inspect(names, t);
    for (const auto& key : names.keys())
      if (!item[key])
        fail(item_path, line, "missing required key `" + key + "`");
    result.push_back(std::move(t));
  }
  value = std::move(result);
}

template<class T>
void yaml_reader::section(const char* name, T& value) {
  if (const entry* found = find(name))
    read_section(found->value, child(name), found->line, value);
}

} // namespace intentd::cfg
