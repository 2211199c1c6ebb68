#pragma once

// An engine for endpoint tests that serves nothing: every request is
// answered with an internal problem. Tests derive from it and override what
// the endpoint under test should reach.

#include "runtime/engine/engine.hpp"

namespace intentd::test {

class idle_engine : public engine_core {
public:
  const token_registry& tokens() const override { return tokens_; }
  const cfg::config& config() const override { return config_; }
  void submit(intent, std::string, reply<submit_result> done) override {
    done(refused());
  }
  void get(const std::string&, reply<intent_record> done) override {
    done(refused());
  }
  void list(const list_query&, reply<record_page> done) override {
    done(refused());
  }
  void find_by_tx(const std::string&, reply<intent_record> done) override {
    done(refused());
  }
  void cancel(const std::string&, reply<intent_record> done) override {
    done(refused());
  }
  void dead_letters(uint32_t, reply<std::vector<intent_record>> done) override {
    done(refused());
  }
  void retry_dead_letter(const std::string&,
                         reply<intent_record> done) override {
    done(refused());
  }
  void purge_dead_letter(const std::string&,
                         reply<intent_record> done) override {
    done(refused());
  }
  void solvers(reply<std::vector<solver_view>> done) override {
    done(refused());
  }
  bool ready() const override { return true; }
  void stop() override {}

protected:
  static problem refused() { return problem{errc::internal, "idle", {}}; }
  token_registry tokens_;
  cfg::config config_;
};

} // namespace intentd::test
