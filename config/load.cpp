#include "config/load.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/schema.hpp"
#include "config/yaml_reader.hpp"
#include "config/yaml_writer.hpp"

namespace intentd::cfg {

namespace {

std::string position(const YAML::Mark& mark) {
  return "(line " + std::to_string(mark.line + 1) + ", column " +
         std::to_string(mark.column + 1) + ")";
}

YAML::Node load_document(const std::string& text, const std::string& source) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    throw config_error(source + " " + position(e.mark) +
                       ": invalid YAML: " + e.msg);
  }
  if (documents.size() > 1)
    throw config_error(source + " " + position(documents[1].Mark()) +
                       ": expected one YAML document, found " +
                       std::to_string(documents.size()));
  return documents.empty() ? YAML::Node{} : documents.front();
}

config read_config(const YAML::Node& root) {
  config result;
  read_section(root, "", 1, result);
  return result;
}

} // namespace

config parse(const std::string& yaml_text) {
  return read_config(load_document(yaml_text, "config"));
}

config load_file(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file{
      std::fopen(path.c_str(), "rb"), &std::fclose};
  if (!file)
    throw config_error("cannot read config file " + path + ": " +
                       std::strerror(errno));
  std::string text;
  char buffer[8192];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file.get())) > 0)
    text.append(buffer, n);
  if (std::ferror(file.get()))
    throw config_error("cannot read config file " + path + ": " +
                       std::strerror(errno));
  const YAML::Node root = load_document(text, path);
  try {
    return read_config(root);
  } catch (const config_error& e) {
    throw config_error(path + ": " + e.what());
  }
}

std::string to_yaml(const config& c) {
  config copy = c;
  YAML::Emitter out;
  out.SetIndent(2);
  out << YAML::BeginMap;
  yaml_writer writer(out);
  inspect(writer, copy);
  out << YAML::EndMap;
  return std::string{out.c_str()} + "\n";
}

} // namespace intentd::cfg
