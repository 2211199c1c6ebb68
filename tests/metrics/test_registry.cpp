#include <doctest/doctest.h>

#include <stdexcept>
#include <thread>
#include <vector>

#include "runtime/metrics/registry.hpp"

using namespace intentd::metrics;

TEST_CASE("counters and gauges expose HELP, TYPE and labelled samples") {
  registry r;
  auto requests =
      r.add_counter("requests_total", "Requests.", {"route", "code"});
  auto temp = r.add_gauge("temperature", "Degrees.");
  requests.with({"/a", "200"}).inc();
  requests.with({"/a", "200"}).inc(2);
  requests.with({"/b", "404"}).inc();
  temp.get().set(-1.5);
  CHECK(r.expose() == "# HELP requests_total Requests.\n"
                      "# TYPE requests_total counter\n"
                      "requests_total{route=\"/a\",code=\"200\"} 3\n"
                      "requests_total{route=\"/b\",code=\"404\"} 1\n"
                      "# HELP temperature Degrees.\n"
                      "# TYPE temperature gauge\n"
                      "temperature -1.5\n");
}

TEST_CASE("a family without labels is exposed at zero before any update") {
  registry r;
  r.add_counter("dropped_total", "Dropped.");
  CHECK(r.expose() == "# HELP dropped_total Dropped.\n"
                      "# TYPE dropped_total counter\n"
                      "dropped_total 0\n");
}

TEST_CASE("histograms expose cumulative buckets, +Inf, sum and count") {
  registry r;
  auto h = r.add_histogram("latency_seconds", "Latency.", {"op"}, {0.1, 1});
  auto put = h.with({"put"});
  put.observe(0.05);
  put.observe(0.1); // an upper bound is inclusive
  put.observe(0.5);
  put.observe(7);
  CHECK(put.count() == 4);
  CHECK(r.expose() == "# HELP latency_seconds Latency.\n"
                      "# TYPE latency_seconds histogram\n"
                      "latency_seconds_bucket{op=\"put\",le=\"0.1\"} 2\n"
                      "latency_seconds_bucket{op=\"put\",le=\"1\"} 3\n"
                      "latency_seconds_bucket{op=\"put\",le=\"+Inf\"} 4\n"
                      "latency_seconds_sum{op=\"put\"} 7.65\n"
                      "latency_seconds_count{op=\"put\"} 4\n");
}

TEST_CASE("label values and help text are escaped") {
  registry r;
  auto c = r.add_counter("odd_total", "Back\\slash\nnewline.", {"v"});
  c.with({"a\"b\\c\nd"}).inc();
  CHECK(r.expose() == "# HELP odd_total Back\\\\slash\\nnewline.\n"
                      "# TYPE odd_total counter\n"
                      "odd_total{v=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST_CASE("values are written as Prometheus reads them") {
  CHECK(format_value(0) == "0");
  CHECK(format_value(0.005) == "0.005");
  CHECK(format_value(1e6) == "1000000");
  CHECK(format_value(1.0 / 0.0) == "+Inf");
  CHECK(format_value(-1.0 / 0.0) == "-Inf");
  CHECK(format_value(0.0 / 0.0) == "NaN");
}

TEST_CASE("misuse is refused") {
  registry r;
  auto c = r.add_counter("x_total", "X.", {"a"});
  CHECK_THROWS_AS(c.with({"1", "2"}), std::invalid_argument);
  CHECK_THROWS_AS(r.add_gauge("x_total", "again"), std::invalid_argument);
  c.with({"1"}).inc(-5); // counters never go down
  CHECK(c.with({"1"}).value() == 0);
  counter unset;
  unset.inc(); // a default handle ignores updates
  CHECK(unset.value() == 0);
}

TEST_CASE("collectors run before every exposition") {
  registry r;
  auto g = r.add_gauge("depth", "Depth.").get();
  int calls = 0;
  r.on_collect([&] { g.set(++calls); });
  CHECK(r.expose().find("depth 1\n") != std::string::npos);
  CHECK(r.expose().find("depth 2\n") != std::string::npos);
}

TEST_CASE("updates from many threads are all counted") {
  registry r;
  auto c = r.add_counter("n_total", "N.").get();
  auto h = r.add_histogram("h", "H.", {}, {1}).get();
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10'000; ++i) {
        c.inc();
        h.observe(0.5);
      }
    });
  for (auto& t : threads)
    t.join();
  CHECK(c.value() == 40'000);
  CHECK(h.count() == 40'000);
  CHECK(h.sum() == 20'000);
}
