#include "runtime/http/server.hpp"

#include <algorithm>
#include <stdexcept>

#include <boost/asio/post.hpp>

#include "runtime/engine/component_settings.hpp"
#include "runtime/engine/engine.hpp"
#include "runtime/http/server_core.hpp"

namespace intentd {

using namespace http_detail;

namespace http_detail {

void server_core::start() {
  if (started)
    throw std::logic_error("http_server already started");
  auto where = opts.host + ":" + std::to_string(opts.port);
  try {
    tcp::endpoint endpoint{net::ip::make_address(opts.host), opts.port};
    acceptor->open(endpoint.protocol());
    acceptor->set_option(net::socket_base::reuse_address(true));
    acceptor->bind(endpoint);
    acceptor->listen(net::socket_base::max_listen_connections);
    bound_port = acceptor->local_endpoint().port();
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("cannot listen on " + where + ": " +
                             e.code().message());
  }
  started = true;
  do_accept();
  for (auto& context : contexts)
    threads.emplace_back([ioc = context.get()] {
      while (true) {
        try {
          ioc->run();
          return;
        } catch (const std::exception&) {
        }
      }
    });
}

void server_core::do_accept() {
  auto& peer = *contexts[next_context++ % contexts.size()];
  acceptor->async_accept(peer,
                         [this](beast::error_code ec, socket_type socket) {
                           on_accept(ec, std::move(socket));
                         });
}

void server_core::on_accept(beast::error_code ec, socket_type socket) {
  if (stopping || !acceptor->is_open())
    return;
  if (ec) {
    // Out of descriptors and the like: back off instead of spinning.
    accept_backoff->expires_after(std::chrono::milliseconds{50});
    accept_backoff->async_wait([this](beast::error_code ec) {
      if (!ec && !stopping)
        do_accept();
    });
    return;
  }
  auto reject = connections() >= opts.max_connections;
  auto s = std::make_shared<session>(std::move(socket), *this, reject);
  sessions.add(s);
  s->run();
  do_accept();
}

size_t server_core::connections() {
  return sessions.size() + ws->open() + solvers->open();
}

void server_core::stop(std::chrono::milliseconds grace) {
  std::lock_guard<std::mutex> once(stop_mu);
  if (!started || stopped)
    return;
  stopped = true;
  stopping = true;
  net::post(acceptor->get_executor(), [this] {
    beast::error_code ec;
    acceptor->close(ec);
    accept_backoff->cancel();
  });
  sessions.shutdown_all(false);
  ws->shutdown(false);
  solvers->shutdown(false);
  auto deadline = std::chrono::steady_clock::now() + grace;
  const auto left = [deadline] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
  };
  if (!sessions.wait_empty(grace) || !ws->wait_gone(left()) ||
      !solvers->wait_gone(left())) {
    sessions.shutdown_all(true);
    ws->shutdown(true);
    solvers->shutdown(true);
    sessions.wait_empty(force_close_wait);
    ws->wait_gone(force_close_wait);
    solvers->wait_gone(force_close_wait);
  }
  work.clear();
  for (auto& context : contexts)
    context->stop();
  for (auto& t : threads)
    t.join();
  threads.clear();
  std::lock_guard<std::mutex> lock(gate->mu);
  gate->open = false;
}

} // namespace http_detail

http_detail::server_core::server_core(engine_core& e,
                                      const component_settings& s)
    : opts(s.http), router(e, s), ws(std::make_shared<ws_hub>(e, s.ws)) {
  auto registry = e.solver_links();
  if (!registry)
    registry = std::make_shared<solver_registry>(e.config().solvers.external,
                                                 e.metrics());
  solvers = std::make_shared<solver_hub>(std::move(registry), s.solver_ws,
                                         e.metrics());
  auto count = std::max<uint32_t>(1, opts.threads);
  for (uint32_t i = 0; i < count; ++i) {
    contexts.push_back(std::make_unique<net::io_context>(1));
    work.push_back(net::make_work_guard(contexts.back()->get_executor()));
  }
  acceptor.emplace(contexts.front()->get_executor());
  accept_backoff.emplace(contexts.front()->get_executor());
}

struct http_server::impl : http_detail::server_core {
  using server_core::server_core;
  ~impl() { stop(std::chrono::milliseconds{0}); }
};

http_server::http_server(engine_core& e, const component_settings& s)
    : impl_(std::make_unique<impl>(e, s)) {}

http_server::~http_server() = default;

void http_server::start() {
  impl_->start();
}

uint16_t http_server::port() const {
  return impl_->bound_port;
}

void http_server::stop(std::chrono::milliseconds grace) {
  impl_->stop(grace);
}

size_t http_server::connections() const {
  return impl_->connections();
}

size_t http_server::ws_connections() const {
  return impl_->ws->open();
}

uint64_t http_server::ws_dropped_slow() const {
  return impl_->ws->dropped_slow();
}

rate_limiter& http_server::rate_limits() {
  return impl_->router.rate_limits();
}

} // namespace intentd
