#include <memory>
#include <mutex>
#include <string>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "intentd/log.hpp"

namespace intentd {

namespace {

spdlog::level::level_enum to_spdlog(log_level level) {
  switch (level) {
  case log_level::trace:
    return spdlog::level::trace;
  case log_level::debug:
    return spdlog::level::debug;
  case log_level::info:
    return spdlog::level::info;
  case log_level::warn:
    return spdlog::level::warn;
  case log_level::error:
    return spdlog::level::err;
  case log_level::critical:
    return spdlog::level::critical;
  }
  return spdlog::level::info;
}

log_level from_spdlog(spdlog::level::level_enum level) {
  switch (level) {
  case spdlog::level::trace:
    return log_level::trace;
  case spdlog::level::debug:
    return log_level::debug;
  case spdlog::level::info:
    return log_level::info;
  case spdlog::level::warn:
    return log_level::warn;
  case spdlog::level::err:
    return log_level::error;
  default:
    return log_level::critical;
  }
}

/// Hands each line's text to the embedder's sink. The sink may be called
/// from several threads at once: the base sink's mutex is not taken
/// (null_mutex), as the sink is documented to be thread-safe.
class callback_sink final
    : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
public:
  explicit callback_sink(log_sink sink) : sink_(std::move(sink)) {}

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    sink_(from_spdlog(msg.level),
          std::string(msg.payload.data(), msg.payload.size()));
  }
  void flush_() override {}

private:
  log_sink sink_;
};

} // namespace

const char* to_string(log_level level) {
  switch (level) {
  case log_level::trace:
    return "trace";
  case log_level::debug:
    return "debug";
  case log_level::info:
    return "info";
  case log_level::warn:
    return "warn";
  case log_level::error:
    return "error";
  case log_level::critical:
    return "critical";
  }
  return "info";
}

void set_log_sink(log_sink sink, log_level min_level) {
  std::shared_ptr<spdlog::logger> logger;
  if (sink)
    logger = std::make_shared<spdlog::logger>(
        "intentd", std::make_shared<callback_sink>(std::move(sink)));
  else
    logger = std::make_shared<spdlog::logger>(
        "intentd", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  logger->set_level(to_spdlog(min_level));
  spdlog::set_default_logger(std::move(logger));
}

} // namespace intentd
