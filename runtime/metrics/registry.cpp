#include "runtime/metrics/registry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace intentd::metrics {

namespace {

void atomic_add(std::atomic<double>& a, double by) {
  auto old = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(old, old + by, std::memory_order_relaxed))
    ;
}

const char* type_name(kind k) {
  switch (k) {
  case kind::counter:
    return "counter";
  case kind::gauge:
    return "gauge";
  case kind::histogram:
    break;
  }
  return "histogram";
}

std::string escape_help(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
  return out;
}

/// `{a="x",b="y"}` with an optional extra pair (a histogram's `le`).
std::string label_text(const std::vector<std::string>& names,
                       const label_values& values, std::string_view extra_name,
                       std::string_view extra_value) {
  if (names.empty() && extra_name.empty())
    return {};
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0)
      out.push_back(',');
    out += names[i];
    out += "=\"";
    out += escape_label(values[i]);
    out.push_back('"');
  }
  if (!extra_name.empty()) {
    if (!names.empty())
      out.push_back(',');
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

void sample(std::string& out, const std::string& name, const std::string& lbl,
            const std::string& value) {
  out += name;
  out += lbl;
  out.push_back(' ');
  out += value;
  out.push_back('\n');
}

} // namespace

void counter::inc(double by) {
  if (s_ && by >= 0)
    atomic_add(s_->value, by);
}

double counter::value() const {
  return s_ ? s_->value.load(std::memory_order_relaxed) : 0;
}

void gauge::set(double v) {
  if (s_)
    s_->value.store(v, std::memory_order_relaxed);
}

void gauge::add(double by) {
  if (s_)
    atomic_add(s_->value, by);
}

double gauge::value() const {
  return s_ ? s_->value.load(std::memory_order_relaxed) : 0;
}

histogram::histogram(series* s, const family* f)
    : s_(s), bounds_(&f->bounds()) {}

void histogram::observe(double v) {
  if (!s_)
    return;
  auto i = static_cast<size_t>(
      std::lower_bound(bounds_->begin(), bounds_->end(), v) - bounds_->begin());
  if (i < s_->bucket_counts.size())
    s_->bucket_counts[i].fetch_add(1, std::memory_order_relaxed);
  atomic_add(s_->value, v);
  s_->count.fetch_add(1, std::memory_order_relaxed);
}

uint64_t histogram::count() const {
  return s_ ? s_->count.load(std::memory_order_relaxed) : 0;
}

double histogram::sum() const {
  return s_ ? s_->value.load(std::memory_order_relaxed) : 0;
}

family::family(std::string name, std::string help, kind k,
               std::vector<std::string> labels, std::vector<double> bounds)
    : name_(std::move(name)), help_(std::move(help)), kind_(k),
      labels_(std::move(labels)), bounds_(std::move(bounds)) {
  std::sort(bounds_.begin(), bounds_.end());
  if (labels_.empty())
    resolve({});
}

series* family::resolve(const label_values& values) {
  if (values.size() != labels_.size())
    throw std::invalid_argument(name_ + ": expected " +
                                std::to_string(labels_.size()) +
                                " label values");
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = series_[values];
  if (!slot) {
    slot = std::make_unique<series>(bounds_.size());
    for (auto& b : slot->bucket_counts)
      b.store(0, std::memory_order_relaxed);
  }
  return slot.get();
}

void family::expose(std::string& out) const {
  out += "# HELP " + name_ + " " + escape_help(help_) + "\n";
  out += "# TYPE " + name_ + " " + type_name(kind_) + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [values, s] : series_) {
    if (kind_ != kind::histogram) {
      sample(out, name_, label_text(labels_, values, {}, {}),
             format_value(s->value.load(std::memory_order_relaxed)));
      continue;
    }
    // Read the count first: buckets observed after it may make the
    // cumulative +Inf bucket exceed it by a little, never fall short.
    uint64_t cumulative = 0;
    for (size_t i = 0; i < bounds_.size(); ++i) {
      cumulative += s->bucket_counts[i].load(std::memory_order_relaxed);
      sample(out, name_ + "_bucket",
             label_text(labels_, values, "le", format_value(bounds_[i])),
             std::to_string(cumulative));
    }
    auto count = std::max(s->count.load(std::memory_order_relaxed), cumulative);
    sample(out, name_ + "_bucket", label_text(labels_, values, "le", "+Inf"),
           std::to_string(count));
    auto lbl = label_text(labels_, values, {}, {});
    sample(out, name_ + "_sum", lbl,
           format_value(s->value.load(std::memory_order_relaxed)));
    sample(out, name_ + "_count", lbl, std::to_string(count));
  }
}

std::vector<double> exponential_buckets(double start, double factor, size_t n) {
  std::vector<double> out;
  for (size_t i = 0; i < n; ++i, start *= factor)
    out.push_back(start);
  return out;
}

counter_family registry::add_counter(std::string name, std::string help,
                                     std::vector<std::string> labels) {
  return counter_family{add(std::move(name), std::move(help), kind::counter,
                            std::move(labels), {})};
}

gauge_family registry::add_gauge(std::string name, std::string help,
                                 std::vector<std::string> labels) {
  return gauge_family{add(std::move(name), std::move(help), kind::gauge,
                          std::move(labels), {})};
}

histogram_family registry::add_histogram(std::string name, std::string help,
                                         std::vector<std::string> labels,
                                         std::vector<double> bounds) {
  return histogram_family{add(std::move(name), std::move(help), kind::histogram,
                              std::move(labels), std::move(bounds))};
}

family* registry::add(std::string name, std::string help, kind k,
                      std::vector<std::string> labels,
                      std::vector<double> bounds) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& f : families_)
    if (f->name() == name)
      throw std::invalid_argument("metric " + name + " registered twice");
  families_.push_back(std::make_unique<family>(std::move(name), std::move(help),
                                               k, std::move(labels),
                                               std::move(bounds)));
  return families_.back().get();
}

void registry::on_collect(std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  collectors_.push_back(std::move(fn));
}

std::string registry::expose() const {
  std::vector<std::function<void()>> collectors;
  {
    std::lock_guard<std::mutex> lock(mu_);
    collectors = collectors_;
  }
  for (auto& fn : collectors)
    fn();
  std::string out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& f : families_)
    f->expose(out);
  return out;
}

std::string format_value(double v) {
  if (std::isnan(v))
    return "NaN";
  if (std::isinf(v))
    return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 9.007199254740992e15)
    return std::to_string(static_cast<int64_t>(v));
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, res.ptr);
}

std::string escape_label(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
  return out;
}

} // namespace intentd::metrics
