#include "runtime/http/framing.hpp"

#include <cctype>
#include <vector>

#include <boost/beast/core/string.hpp>

namespace intentd::http_detail {

namespace http = boost::beast::http;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

bool is_unreserved_or_sub_delim(char c) {
  if (std::isalnum(static_cast<unsigned char>(c)))
    return true;
  constexpr std::string_view allowed = "-._~!$&'()*+,;=";
  return allowed.find(c) != std::string_view::npos;
}

bool is_hex(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

// reg-name or IPv4address (RFC 3986 §3.2.2), %-escapes included.
bool valid_reg_name(std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2]))
        return false;
      i += 2;
    } else if (!is_unreserved_or_sub_delim(s[i])) {
      return false;
    }
  }
  return true;
}

// IP-literal without its brackets: an IPv6 address or IPvFuture.
bool valid_ip_literal(std::string_view s) {
  if (s.empty())
    return false;
  for (char c : s)
    if (!is_unreserved_or_sub_delim(c) && c != ':')
      return false;
  return true;
}

bool all_digits(std::string_view s) {
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return false;
  return true;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         boost::beast::iequals(s.substr(0, prefix.size()), prefix);
}

} // namespace

bool valid_host(std::string_view value) {
  if (value.empty())
    return true;
  std::string_view host = value;
  std::string_view port;
  if (value.front() == '[') {
    auto close = value.find(']');
    if (close == std::string_view::npos)
      return false;
    if (!valid_ip_literal(value.substr(1, close - 1)))
      return false;
    auto rest = value.substr(close + 1);
    if (!rest.empty() && rest.front() != ':')
      return false;
    return rest.empty() || all_digits(rest.substr(1));
  }
  auto colon = value.rfind(':');
  if (colon != std::string_view::npos) {
    host = value.substr(0, colon);
    port = value.substr(colon + 1);
  }
  return valid_reg_name(host) && all_digits(port);
}

std::optional<std::string> origin_form(std::string_view target) {
  size_t scheme = 0;
  if (starts_with_nocase(target, "http://"))
    scheme = 7;
  else if (starts_with_nocase(target, "https://"))
    scheme = 8;
  else
    return std::string{target};
  auto rest = target.substr(scheme);
  auto end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, end);
  if (authority.find('@') != std::string_view::npos)
    return std::nullopt;
  if (!valid_host(authority))
    return std::nullopt;
  if (authority.empty())
    return std::nullopt;
  auto colon = authority.rfind(':');
  auto host = authority.front() == '[' || colon == std::string_view::npos
                  ? authority
                  : authority.substr(0, colon);
  if (host.empty())
    return std::nullopt;
  if (end == std::string_view::npos)
    return std::string{"/"};
  auto path = rest.substr(end);
  if (path.front() == '/')
    return std::string{path};
  if (path.front() == '?')
    return "/" + std::string{path};
  return std::string{"/"}; // only a fragment, which is not sent on
}

std::optional<std::string> framing_problem(const http::request_header<>& req) {
  size_t hosts = 0;
  bool bad_host = false;
  bool has_length = false;
  bool has_coding = false;
  std::vector<std::string_view> codings;
  for (const auto& f : req) {
    switch (f.name()) {
    case http::field::host:
      ++hosts;
      bad_host = bad_host || !valid_host(trim(f.value()));
      break;
    case http::field::content_length:
      has_length = true;
      break;
    case http::field::transfer_encoding: {
      has_coding = true;
      std::string_view list = f.value();
      while (true) {
        auto comma = list.find(',');
        auto item = trim(list.substr(0, comma));
        if (!item.empty())
          codings.push_back(item);
        if (comma == std::string_view::npos)
          break;
        list.remove_prefix(comma + 1);
      }
      break;
    }
    default:
      break;
    }
  }
  if (has_coding) {
    if (req.version() < 11)
      return std::string{"An HTTP/1.0 request cannot use Transfer-Encoding."};
    if (has_length)
      return std::string{
          "A request cannot have both Content-Length and Transfer-Encoding."};
    if (codings.size() != 1 || !boost::beast::iequals(codings[0], "chunked"))
      return std::string{"The only Transfer-Encoding accepted is chunked."};
  }
  if (hosts == 0 && req.version() >= 11)
    return std::string{"An HTTP/1.1 request needs a Host header."};
  if (hosts > 1)
    return std::string{"A request has one Host header, not several."};
  if (bad_host)
    return std::string{"The Host header is not a valid host[:port]."};
  if (!origin_form(req.target()))
    return std::string{"The request target is not a valid http URI."};
  return std::nullopt;
}

} // namespace intentd::http_detail
