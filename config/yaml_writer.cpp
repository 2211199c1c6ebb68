#include "config/yaml_writer.hpp"

#include "config/scalar.hpp"
#include "config/schema.hpp"

namespace intentd::cfg {

void yaml_writer::tokens(const char* name, std::vector<token>& value) {
  out_ << YAML::Key << name << YAML::Value << YAML::BeginSeq;
  for (auto& t : value) {
    out_ << YAML::BeginMap;
    inspect(*this, t);
    out_ << YAML::EndMap;
  }
  out_ << YAML::EndSeq;
}

void yaml_writer::write(bool value) {
  out_ << YAML::TrueFalseBool << YAML::LowerCase << value;
}

void yaml_writer::write(uint32_t value) {
  out_ << value;
}

void yaml_writer::write(uint64_t value) {
  out_ << value;
}

void yaml_writer::write(double value) {
  out_ << format_double(value);
}

void yaml_writer::write(const std::string& value) {
  out_ << YAML::DoubleQuoted << value;
}

} // namespace intentd::cfg

namespace intentd::cfg {

void yaml_writer::write(const std::vector<std::string>& value) {
  out_ << YAML::Flow << YAML::BeginSeq;
  for (const auto& v : value)
    out_ << YAML::DoubleQuoted << v;
  out_ << YAML::EndSeq;
}

} // namespace intentd::cfg
