#include <charconv>
#include <fstream>
#include <sstream>

#include "config/load.hpp"
#include "intentd/version.hpp"
#include "runtime/daemon/startup_checks.hpp"
#include "runtime/embed/config_impl.hpp"

namespace intentd {

namespace {

error config_error(std::string message) {
  return error{"invalid_config", std::move(message), {}, 400};
}

/// Sets `value` at `parts[i...]` under `node`, making maps on the way.
void set_path(YAML::Node node, const std::vector<std::string>& parts, size_t i,
              const YAML::Node& value) {
  if (i + 1 == parts.size()) {
    node[parts[i]] = value;
    return;
  }
  if (!node[parts[i]].IsMap())
    node[parts[i]] = YAML::Node(YAML::NodeType::Map);
  set_path(node[parts[i]], parts, i + 1, value);
}

std::string emit(const YAML::Node& doc) {
  YAML::Emitter out;
  out << doc;
  return out.c_str();
}

} // namespace

config::config() : impl_(std::make_unique<impl>()) {}
config::~config() = default;
config::config(const config& other)
    : impl_(std::make_unique<impl>(
          impl{other.impl_->value, YAML::Clone(other.impl_->doc)})) {}
config& config::operator=(const config& other) {
  if (this != &other)
    impl_ = std::make_unique<impl>(
        impl{other.impl_->value, YAML::Clone(other.impl_->doc)});
  return *this;
}
config::config(config&&) noexcept = default;
config& config::operator=(config&&) noexcept = default;

result<config> config::from_yaml(const std::string& text) {
  config c;
  try {
    c.impl_->value = cfg::parse(text);
    auto doc = YAML::Load(text);
    if (doc.IsMap())
      c.impl_->doc = doc;
  } catch (const cfg::config_error& e) {
    return config_error(e.what());
  } catch (const YAML::Exception& e) {
    return config_error(e.what());
  }
  return c;
}

result<config> config::from_file(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return config_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  auto c = from_yaml(text.str());
  if (!c)
    return config_error(path + ": " + c.err().message);
  return c;
}

status config::set(const std::string& key, const std::string& yaml_value) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream path(key);
  while (std::getline(path, part, '.')) {
    if (part.empty())
      return config_error("\"" + key + "\" is not a dotted key path");
    parts.push_back(part);
  }
  if (parts.empty())
    return config_error("an empty key");
  try {
    auto doc = YAML::Clone(impl_->doc);
    set_path(doc, parts, 0, YAML::Load(yaml_value));
    impl_->value = cfg::parse(emit(doc));
    impl_->doc = doc;
  } catch (const cfg::config_error& e) {
    return config_error(e.what());
  } catch (const YAML::Exception& e) {
    return config_error(key + ": " + e.what());
  }
  return ok_t{};
}

status config::set(const std::string& key, const char* yaml_value) {
  return set(key, std::string{yaml_value});
}

status config::set(const std::string& key, long long value) {
  return set(key, std::to_string(value));
}

status config::set(const std::string& key, int value) {
  return set(key, std::to_string(value));
}

status config::set(const std::string& key, bool value) {
  return set(key, std::string{value ? "true" : "false"});
}

status config::set(const std::string& key, double value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  if (ec != std::errc{})
    return config_error(key + ": not a number");
  return set(key, std::string(buf, end));
}

std::vector<std::string> config::problems() const {
  return startup_config_problems(impl_->value);
}

std::string config::to_yaml() const {
  return cfg::to_yaml(impl_->value);
}

std::string config::storage_path() const {
  return impl_->value.storage.path;
}

const char* library_version() {
  return INTENTD_VERSION_STRING;
}

} // namespace intentd
