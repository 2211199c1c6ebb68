#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "runtime/http/admin_auth.hpp"

using namespace intentd;

namespace {

http_request admin_call(bool loopback, std::string authorization = {},
                        std::string api_key = {}) {
  http_request req;
  req.method = "POST";
  req.target = "/api/v1/dead-letters/x/retry";
  req.loopback = loopback;
  req.authorization = std::move(authorization);
  req.api_key = std::move(api_key);
  return req;
}

std::string code_of(const http_reply& rep) {
  return nlohmann::json::parse(rep.body)["error"]["code"];
}

} // namespace

TEST_CASE("without admin keys only loopback clients pass") {
  CHECK_FALSE(check_admin(admin_call(true), {}));
  auto denied = check_admin(admin_call(false), {});
  REQUIRE(denied);
  CHECK(denied->status == 403);
  CHECK(code_of(*denied) == "forbidden");
  // A key does not open the endpoints to remote clients when none is set.
  CHECK(check_admin(admin_call(false, "Bearer anything-at-all-123"), {}));
}

TEST_CASE("with admin keys every client needs one, as Bearer or X-API-Key") {
  std::vector<std::string> keys = {"first-key-0123456789", "second-key-012345"};
  auto none = check_admin(admin_call(true), keys);
  REQUIRE(none);
  CHECK(none->status == 401);
  CHECK(code_of(*none) == "unauthorized");
  auto wrong =
      check_admin(admin_call(true, "Bearer first-key-012345678X"), keys);
  REQUIRE(wrong);
  CHECK(wrong->status == 403);
  // Another scheme presents no key.
  CHECK(check_admin(admin_call(false, "Basic Zmlyc3Qta2V5"), keys)->status ==
        401);
  CHECK_FALSE(
      check_admin(admin_call(false, "Bearer first-key-0123456789"), keys));
  CHECK_FALSE(check_admin(admin_call(false, "bearer second-key-012345"), keys));
  CHECK_FALSE(check_admin(admin_call(false, {}, "second-key-012345"), keys));
  CHECK(check_admin(admin_call(false, {}, "second-key-01234"), keys));
}
