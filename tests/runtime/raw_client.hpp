#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace intentd::test {

/// A blocking TCP connection to 127.0.0.1:port for bytes a well-behaved
/// client would not send. Every send and receive gives up after `timeout`.
/// One thread may send while another receives.
class raw_client {
public:
  explicit raw_client(uint16_t port,
                      std::chrono::milliseconds timeout = std::chrono::seconds{
                          5}) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0)
      throw std::runtime_error("socket failed");
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      throw std::runtime_error("connect failed");
    }
  }
  ~raw_client() { ::close(fd_); }
  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;

  /// Sends `bytes`; returns how many were sent before the connection failed
  /// or the timeout passed.
  size_t send(std::string_view bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      auto n =
          ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0)
        break;
      sent += static_cast<size_t>(n);
    }
    return sent;
  }

  /// Appends what arrives to `out` until the server closes (true) or the
  /// timeout passes (false). A reset after the server closed counts as
  /// closed.
  bool read_until_closed(std::string& out) {
    char buf[16384];
    for (;;) {
      auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        out.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n == 0)
        return true;
      return errno == ECONNRESET;
    }
  }

  /// Waits up to `wait` for bytes and appends what has arrived to `out`;
  /// false once the server closed the connection.
  bool poll(std::string& out, std::chrono::milliseconds wait) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0)
      return true;
    char buf[16384];
    auto n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      return true;
    }
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  /// Everything the server sends until it closes; throws when it does not
  /// close within the timeout.
  std::string read_all() {
    std::string out;
    if (!read_until_closed(out))
      throw std::runtime_error("the server did not close the connection");
    return out;
  }

private:
  int fd_ = -1;
};

/// A response taken from raw bytes.
struct raw_response {
  unsigned status = 0;
  std::map<std::string, std::string> headers; // names in lower case
  std::string body;

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string{} : it->second;
  }
};

/// The complete responses in `bytes`, one after another; the i-th answers
/// HEAD when `heads[i]` is true, so has no body whatever its Content-Length.
/// Incomplete bytes at the end are left out.
inline std::vector<raw_response>
split_responses(std::string_view bytes, const std::vector<bool>& heads = {}) {
  std::vector<raw_response> out;
  while (!bytes.empty()) {
    auto end = bytes.find("\r\n\r\n");
    if (end == std::string_view::npos || bytes.substr(0, 9) != "HTTP/1.1 ")
      break;
    raw_response r;
    r.status =
        static_cast<unsigned>(std::stoul(std::string{bytes.substr(9, 3)}));
    auto head = bytes.substr(0, end);
    size_t line = head.find("\r\n");
    while (line != std::string_view::npos) {
      auto next = head.find("\r\n", line + 2);
      auto field = head.substr(line + 2, next == std::string_view::npos
                                             ? std::string_view::npos
                                             : next - line - 2);
      auto colon = field.find(':');
      std::string name{field.substr(0, colon)};
      for (auto& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      auto value = field.substr(colon + 1);
      while (!value.empty() && value.front() == ' ')
        value.remove_prefix(1);
      r.headers[name] = std::string{value};
      line = next;
    }
    bytes.remove_prefix(end + 4);
    size_t length = 0;
    bool is_head = out.size() < heads.size() && heads[out.size()];
    if (!is_head && !r.header("content-length").empty())
      length = std::stoul(r.header("content-length"));
    if (bytes.size() < length)
      break;
    r.body = std::string{bytes.substr(0, length)};
    bytes.remove_prefix(length);
    out.push_back(std::move(r));
  }
  return out;
}

} // namespace intentd::test
