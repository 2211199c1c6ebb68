#include <doctest/doctest.h>

#include <cerrno>
#include <chrono>
#include <memory>

#include <fcntl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "runtime/ws/session.hpp"
#include "tests/runtime/fake_engine.hpp"

using namespace intentd;
using namespace intentd::test;
namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

bool fd_open(int fd) {
  return fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

} // namespace

// The server destroys its io_contexts (and Beast's websocket service with
// them) as soon as the hub has no session left, and the last reference to a
// session may be dropped on another thread (the notifier's): a session
// must be gone, its stream and socket included, before the hub hears it
// ended.
TEST_CASE("a WebSocket session leaves the hub only after its stream is "
          "destroyed") {
  fake_engine eng;
  net::io_context ioc{1};
  auto hub = std::make_shared<ws_hub>(eng, ws_options{});
  tcp::acceptor acceptor{ioc, {net::ip::make_address("127.0.0.1"), 0}};
  tcp::socket client{ioc};
  client.connect(acceptor.local_endpoint());
  tcp::socket server = acceptor.accept();
  const int fd = server.native_handle();
  REQUIRE(fd_open(fd));

  int removed = 0;
  bool socket_open_at_removal = true;
  hub->on_removed([&] {
    ++removed;
    socket_open_at_removal = fd_open(fd);
  });
  // An upgrade Beast refuses (no Sec-WebSocket-Key): it answers 400 and the
  // session ends with its socket never closed by hand, so only destroying
  // the stream closes it.
  http::request<http::string_body> req{http::verb::get, "/api/v1/ws", 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::upgrade, "websocket");
  req.set(http::field::connection, "upgrade");
  req.set(http::field::sec_websocket_version, "13");
  hub->start(std::move(server), std::move(req), false);
  CHECK(hub->open() == 1);

  for (int i = 0; i < 100 && hub->open() > 0; ++i)
    ioc.run_one_for(std::chrono::seconds{1});
  CHECK(hub->open() == 0);
  CHECK(removed == 1);
  CHECK_FALSE(socket_open_at_removal);
  CHECK_FALSE(fd_open(fd));
}
