// Load client for tests/bench/ws_subscribers.sh: opens N WebSocket
// subscribers to intentd's /api/v1/ws, each following its own account
// (subscribe-user), submits ROUNDS intents per account over HTTP at RATE
// per second, and measures each intent-update's delivery latency: receipt
// time minus the event's `timestamp` (the transition's time). Built with
// `cmake --build build --target ws_bench` (not a default target).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

namespace {

struct options {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  int clients = 1000;
  int rounds = 1;
  double rate = 1000;  // intents per second
  int http_conns = 16; // submitting connections
  int timeout_s = 120; // give up after this long
  int connect_batch = 256;
};

struct totals {
  int connected = 0;
  int acked = 0;
  int failed = 0; // connections that failed or closed early
  uint64_t updates = 0;
  uint64_t finals = 0;
  uint64_t submitted = 0;
  uint64_t submit_errors = 0;
  std::vector<double> latency_ms;
};

double wall_now_us() {
  using namespace std::chrono;
  return double(
      duration_cast<microseconds>(system_clock::now().time_since_epoch())
          .count());
}

/// "2026-11-22T03:02:15.893977Z" -> microseconds since the epoch.
double parse_rfc3339_us(const std::string& s) {
  std::tm tm{};
  int y, mo, d, h, mi, sec;
  if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &sec) !=
      6)
    return 0;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  double us = double(timegm(&tm)) * 1e6;
  auto dot = s.find('.');
  if (dot != std::string::npos) {
    double scale = 1e5;
    for (auto i = dot + 1; i < s.size() && std::isdigit(s[i]); ++i) {
      us += (s[i] - '0') * scale;
      scale /= 10;
    }
  }
  return us;
}

class subscriber : public std::enable_shared_from_this<subscriber> {
public:
  subscriber(net::io_context& ioc, const options& o, totals& t, int index)
      : ws_(net::make_strand(ioc)), opts_(o), totals_(t),
        user_("wsb" + std::to_string(index) + ".near") {}

  void start(tcp::endpoint ep, std::function<void()> on_connected) {
    on_connected_ = std::move(on_connected);
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds{30});
    beast::get_lowest_layer(ws_).async_connect(
        ep, [self = shared_from_this()](beast::error_code ec) {
          if (ec)
            return self->fail();
          self->ws_.async_handshake(
              self->opts_.host, "/api/v1/ws",
              [self](beast::error_code ec) { self->on_handshake(ec); });
        });
  }

private:
  void on_handshake(beast::error_code ec) {
    if (ec)
      return fail();
    beast::get_lowest_layer(ws_).expires_never();
    beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true));
    ++totals_.connected;
    connected_ = true;
    out_ = json{{"op", "subscribe-user"}, {"user_account", user_}}.dump();
    ws_.async_write(net::buffer(out_), [self = shared_from_this()](
                                           beast::error_code ec, std::size_t) {
      if (ec)
        return self->fail();
      self->do_read();
    });
    if (on_connected_)
      on_connected_();
  }

  void do_read() {
    ws_.async_read(
        buf_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
          self->on_read(ec);
        });
  }

  void on_read(beast::error_code ec) {
    if (ec)
      return fail();
    auto received = wall_now_us();
    auto msg =
        json::parse(beast::buffers_to_string(buf_.data()), nullptr, false);
    buf_.consume(buf_.size());
    if (!msg.is_discarded()) {
      auto event = msg.value("event", "");
      if (event == "subscribed") {
        ++totals_.acked;
      } else if (event == "intent-update") {
        ++totals_.updates;
        auto ts = parse_rfc3339_us(msg.value("timestamp", ""));
        if (ts > 0)
          totals_.latency_ms.push_back((received - ts) / 1000.0);
        auto status = msg.value("status", "");
        if (status == "completed" || status == "failed" ||
            status == "expired" || status == "cancelled")
          ++totals_.finals;
      }
    }
    do_read();
  }

  void fail() {
    if (!failed_) {
      failed_ = true;
      ++totals_.failed;
      if (on_connected_ && !connected_)
        on_connected_();
    }
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buf_;
  const options& opts_;
  totals& totals_;
  std::string user_;
  std::string out_;
  std::function<void()> on_connected_;
  bool failed_ = false;
  bool connected_ = false;
};

/// One keep-alive HTTP connection submitting intents at the shared pace.
class submitter : public std::enable_shared_from_this<submitter> {
public:
  submitter(net::io_context& ioc, const options& o, totals& t, uint64_t& next,
            uint64_t total, clock_type::time_point t0)
      : stream_(net::make_strand(ioc)), timer_(stream_.get_executor()),
        opts_(o), totals_(t), next_(next), total_(total), t0_(t0) {}

  void start(tcp::endpoint ep) {
    stream_.async_connect(ep,
                          [self = shared_from_this()](beast::error_code ec) {
                            if (ec) {
                              ++self->totals_.submit_errors;
                              return;
                            }
                            self->next();
                          });
  }

private:
  void next() {
    if (next_ >= total_)
      return;
    auto i = next_++;
    auto due = t0_ + std::chrono::microseconds{
                         static_cast<int64_t>(double(i) * 1e6 / opts_.rate)};
    timer_.expires_at(due);
    timer_.async_wait(
        [self = shared_from_this(), i](beast::error_code) { self->send(i); });
  }

  void send(uint64_t i) {
    auto user = "wsb" + std::to_string(i % opts_.clients) + ".near";
    json body = {{"id", "wsb-" + std::to_string(i)},
                 {"user_account", user},
                 {"action", "transfer"},
                 {"input_token", "usdc.near"},
                 {"input_amount", "1"},
                 {"recipient", "bob.near"}};
    req_ = {http::verb::post, "/api/v1/intents", 11};
    req_.set(http::field::host, opts_.host);
    req_.set(http::field::content_type, "application/json");
    req_.body() = body.dump();
    req_.keep_alive(true);
    req_.prepare_payload();
    http::async_write(
        stream_, req_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) {
            ++self->totals_.submit_errors;
            return;
          }
          self->res_ = {};
          http::async_read(self->stream_, self->buf_, self->res_,
                           [self](beast::error_code ec, std::size_t) {
                             if (ec) {
                               ++self->totals_.submit_errors;
                               return;
                             }
                             if (self->res_.result_int() == 202)
                               ++self->totals_.submitted;
                             else
                               ++self->totals_.submit_errors;
                             self->next();
                           });
        });
  }

  beast::tcp_stream stream_;
  net::steady_timer timer_;
  beast::flat_buffer buf_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  const options& opts_;
  totals& totals_;
  uint64_t& next_;
  uint64_t total_;
  clock_type::time_point t0_;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty())
    return 0;
  auto k = static_cast<size_t>(p / 100.0 * double(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[k];
}

} // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--port")
      o.port = static_cast<uint16_t>(std::stoi(v));
    else if (k == "--clients")
      o.clients = std::stoi(v);
    else if (k == "--rounds")
      o.rounds = std::stoi(v);
    else if (k == "--rate")
      o.rate = std::stod(v);
    else if (k == "--http-conns")
      o.http_conns = std::stoi(v);
    else if (k == "--timeout")
      o.timeout_s = std::stoi(v);
    else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  net::io_context ioc{1};
  totals t;
  tcp::endpoint ep{net::ip::make_address(o.host), o.port};
  std::vector<std::shared_ptr<subscriber>> subs;
  subs.reserve(o.clients);
  auto started = clock_type::now();
  // Connect in batches so the listen backlog never overflows.
  int launched = 0;
  std::function<void()> launch_more = [&] {
    while (launched < o.clients &&
           launched - (t.connected + t.failed) < o.connect_batch) {
      auto s = std::make_shared<subscriber>(ioc, o, t, launched++);
      subs.push_back(s);
      s->start(ep, [&] { net::post(ioc, launch_more); });
    }
  };
  launch_more();
  auto deadline = started + std::chrono::seconds{o.timeout_s};
  while (t.acked + t.failed < o.clients && clock_type::now() < deadline)
    ioc.run_for(std::chrono::milliseconds{50});
  auto connect_s =
      std::chrono::duration<double>(clock_type::now() - started).count();
  std::printf("subscribers: %d connected, %d subscribed, %d failed in %.1f s\n",
              t.connected, t.acked, t.failed, connect_s);
  std::fflush(stdout);
  // Lets the script read the daemon's RSS with every subscriber open.
  if (std::getenv("WS_BENCH_PAUSE_FILE")) {
    std::printf("ready\n");
    std::fflush(stdout);
    while (std::FILE* f = std::fopen(std::getenv("WS_BENCH_PAUSE_FILE"), "r")) {
      std::fclose(f);
      ioc.run_for(std::chrono::milliseconds{50});
    }
  }

  uint64_t total = uint64_t(o.clients) * uint64_t(o.rounds);
  uint64_t next = 0;
  auto t0 = clock_type::now();
  std::vector<std::shared_ptr<submitter>> subm;
  for (int i = 0; i < o.http_conns; ++i) {
    subm.push_back(std::make_shared<submitter>(ioc, o, t, next, total, t0));
    subm.back()->start(ep);
  }
  deadline = clock_type::now() + std::chrono::seconds{o.timeout_s};
  while (t.submitted + t.submit_errors < total || t.finals < t.submitted) {
    if (clock_type::now() > deadline)
      break;
    ioc.run_for(std::chrono::milliseconds{50});
  }
  auto run_s = std::chrono::duration<double>(clock_type::now() - t0).count();
  auto& lat = t.latency_ms;
  std::printf(
      "submitted: %llu accepted, %llu errors in %.1f s (target %.0f/s)\n",
      (unsigned long long)t.submitted, (unsigned long long)t.submit_errors,
      run_s, o.rate);
  std::printf("updates: %llu received, %llu final, %d connections lost\n",
              (unsigned long long)t.updates, (unsigned long long)t.finals,
              t.failed);
  double mx = lat.empty() ? 0 : *std::max_element(lat.begin(), lat.end());
  double p50 = percentile(lat, 50), p90 = percentile(lat, 90),
         p99 = percentile(lat, 99), p999 = percentile(lat, 99.9);
  std::printf("latency ms (transition -> receipt): p50 %.2f p90 %.2f p99 "
              "%.2f p99.9 %.2f max %.2f (n=%zu)\n",
              p50, p90, p99, p999, mx, lat.size());
  bool ok = t.failed == 0 && t.submit_errors == 0 && t.finals == total &&
            t.updates == 4 * total;
  std::printf("%s\n", ok ? "ok" : "INCOMPLETE");
  return ok ? 0 : 1;
}
