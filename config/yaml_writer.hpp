#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/checks.hpp"
#include "config/config.hpp"

namespace intentd::cfg {

/// Emits a section struct as a YAML map, every key with its value.
class yaml_writer {
public:
  explicit yaml_writer(YAML::Emitter& out) : out_(out) {}

  template<class T, class Check = no_check>
  void field(const char* name, const T& value, Check = {}) {
    out_ << YAML::Key << name << YAML::Value;
    write(value);
  }

  template<class T>
  void section(const char* name, T& value) {
    out_ << YAML::Key << name << YAML::Value << YAML::BeginMap;
    inspect(*this, value);
    out_ << YAML::EndMap;
  }

  void tokens(const char* name, std::vector<token>& value);

  template<class T>
  void list(const char* name, std::vector<T>& value) {
    out_ << YAML::Key << name << YAML::Value << YAML::BeginSeq;
    for (auto& x : value) {
      out_ << YAML::BeginMap;
      inspect(*this, x);
      out_ << YAML::EndMap;
    }
    out_ << YAML::EndSeq;
  }

  void require(bool, std::initializer_list<const char*>, const std::string&) {}

private:
  void write(bool value);
  void write(uint32_t value);
  void write(uint64_t value);
  void write(double value);
  void write(const std::string& value);
  void write(const std::vector<std::string>& value);

  YAML::Emitter& out_;
};

} // namespace intentd::cfg
