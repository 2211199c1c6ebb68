#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "intentd/error.hpp"

namespace intentd {

/// An engine's configuration: the daemon's YAML (docs/configuration.md),
/// with the daemon's strict validation and its messages. Unknown keys,
/// values out of range and wrong types are refused with the key's path.
///
/// A config is a value: copy it freely. It is not synchronised; do not
/// change one from two threads at once.
class config {
public:
  /// Every key at its default (docs/configuration.md).
  config();
  ~config();
  config(const config& other);
  config& operator=(const config& other);
  config(config&&) noexcept;
  config& operator=(config&&) noexcept;

  /// Parses YAML text; an error with code "invalid_config" says what and
  /// where ("chain.simulated.latncy_ms (line 7): unknown key; ...").
  static result<config> from_yaml(const std::string& text);
  /// Reads and parses a YAML file.
  static result<config> from_file(const std::string& path);

  /// Sets one key by its dotted path to a YAML value: a scalar ("8080",
  /// "true", "/var/lib/x", "\"a b\"") or a flow sequence or map. The whole
  /// config is validated again; on an error nothing changes.
  status set(const std::string& key, const std::string& yaml_value);
  status set(const std::string& key, const char* yaml_value);
  status set(const std::string& key, long long value);
  status set(const std::string& key, int value);
  status set(const std::string& key, bool value);
  status set(const std::string& key, double value);

  /// What starting an engine on this config would refuse beyond the
  /// loader's checks (the listen address, the storage paths, the tokens,
  /// the seeded keys), one sentence per problem naming its key; empty when
  /// an engine may start. The daemon's --check-config says the same.
  std::vector<std::string> problems() const;

  /// Every key with its effective value, as YAML.
  std::string to_yaml() const;

  /// storage.path, for convenience.
  std::string storage_path() const;

  struct impl;
  /// For the library itself.
  const impl& internals() const { return *impl_; }

private:
  std::unique_ptr<impl> impl_;
};

} // namespace intentd
