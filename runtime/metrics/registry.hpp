#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace intentd::metrics {

/// Label values in the order of the family's label names.
using label_values = std::vector<std::string>;

enum class kind : uint8_t { counter, gauge, histogram };

/// One time series: a counter or gauge value, or a histogram's buckets.
class family;

struct series {
  explicit series(size_t buckets) : bucket_counts(buckets) {}
  std::atomic<double> value{0}; // counter, gauge; histogram: sum
  std::atomic<uint64_t> count{0};
  std::vector<std::atomic<uint64_t>> bucket_counts; // not cumulative
};

/// A monotonically increasing value. A default-constructed handle ignores
/// every call, so optional instrumentation needs no null checks.
class counter {
public:
  counter() = default;
  counter(series* s, const family*) : s_(s) {}
  void inc(double by = 1.0);
  double value() const;

private:
  series* s_ = nullptr;
};

/// A value that goes up and down.
class gauge {
public:
  gauge() = default;
  gauge(series* s, const family*) : s_(s) {}
  void set(double v);
  void add(double by);
  double value() const;

private:
  series* s_ = nullptr;
};

/// Observations counted into fixed buckets, with their sum and count.
class histogram {
public:
  histogram() = default;
  histogram(series* s, const family* f);
  void observe(double v);
  uint64_t count() const;
  double sum() const;

private:
  series* s_ = nullptr;
  const std::vector<double>* bounds_ = nullptr;
};

/// A metric name with its help text, type and label names. Resolving label
/// values takes a lock; the handles it returns update with atomics only,
/// so hot paths resolve once and keep the handle.
class family {
public:
  family(std::string name, std::string help, kind k,
         std::vector<std::string> labels, std::vector<double> bounds);

  const std::string& name() const { return name_; }
  kind type() const { return kind_; }

  /// The series for these label values, created at zero on first use.
  /// Throws std::invalid_argument when the number of values is wrong.
  series* resolve(const label_values& values);

  /// Appends this family in the Prometheus text format 0.0.4.
  void expose(std::string& out) const;

  const std::vector<double>& bounds() const { return bounds_; }

private:
  std::string name_;
  std::string help_;
  kind kind_;
  std::vector<std::string> labels_;
  std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::map<label_values, std::unique_ptr<series>> series_;
};

template<class Handle>
class family_of {
public:
  family_of() = default;
  explicit family_of(family* f) : f_(f) {}
  /// The handle of one label combination (created at zero).
  Handle with(const label_values& values) const {
    return f_ ? Handle{f_->resolve(values), f_} : Handle{};
  }
  /// The handle of a family without labels.
  Handle get() const { return with({}); }

private:
  family* f_ = nullptr;
};

using counter_family = family_of<counter>;
using gauge_family = family_of<gauge>;
using histogram_family = family_of<histogram>;

/// Buckets `start`, `start*factor`, ... (`n` of them).
std::vector<double> exponential_buckets(double start, double factor, size_t n);

/// The families of one process or engine, exposed in registration order.
class registry {
public:
  counter_family add_counter(std::string name, std::string help,
                             std::vector<std::string> labels = {});
  gauge_family add_gauge(std::string name, std::string help,
                         std::vector<std::string> labels = {});
  histogram_family add_histogram(std::string name, std::string help,
                                 std::vector<std::string> labels,
                                 std::vector<double> bounds);

  /// Runs before every exposition, e.g. to refresh gauges read from
  /// storage. Must not call expose().
  void on_collect(std::function<void()> fn);

  /// The whole registry in the Prometheus text format 0.0.4.
  std::string expose() const;

private:
  family* add(std::string name, std::string help, kind k,
              std::vector<std::string> labels, std::vector<double> bounds);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<family>> families_;
  std::vector<std::function<void()>> collectors_;
};

/// Content-Type of the text exposition format.
constexpr const char* content_type = "text/plain; version=0.0.4; charset=utf-8";

/// A sample value as Prometheus writes it ("+Inf", "NaN", shortest form).
std::string format_value(double v);

/// A label value with backslash, double quote and newline escaped.
std::string escape_label(std::string_view v);

} // namespace intentd::metrics
