#include "runtime/daemon/logging.hpp"

#include <chrono>
#include <memory>

#include <nlohmann/json.hpp>
#include <spdlog/formatter.h>
#include <spdlog/spdlog.h>

#include "actors/intent_log.hpp"
#include "runtime/model/time.hpp"

namespace intentd {

namespace {

class json_formatter final : public spdlog::formatter {
public:
  void format(const spdlog::details::log_msg& msg,
              spdlog::memory_buf_t& dest) override {
    using namespace std::chrono;
    auto us = duration_cast<microseconds>(msg.time.time_since_epoch()).count();
    nlohmann::json line{
        {"time", format_rfc3339(us)},
        {"level", spdlog::level::to_string_view(msg.level).data()},
        {"msg", std::string(msg.payload.data(), msg.payload.size())},
    };
    if (auto* f = current_intent_log_fields()) {
      line["intent_id"] = std::string{f->id};
      line["user"] = std::string{f->user};
      line["status"] = std::string{f->status};
      line["solver"] = f->solver.empty()
                           ? nlohmann::json(nullptr)
                           : nlohmann::json(std::string{f->solver});
    }
    auto text =
        line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    dest.append(text.data(), text.data() + text.size());
    dest.push_back('\n');
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<json_formatter>();
  }
};

} // namespace

std::unique_ptr<spdlog::formatter> make_json_formatter() {
  return std::make_unique<json_formatter>();
}

void setup_logging(const cfg::logging& opts) {
  spdlog::set_level(spdlog::level::from_str(opts.level));
  if (opts.format == "json")
    spdlog::set_formatter(std::make_unique<json_formatter>());
  else
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ %v",
                        spdlog::pattern_time_type::utc);
}

} // namespace intentd
