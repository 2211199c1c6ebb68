#include <doctest/doctest.h>

#include "tests/runtime/loopback_daemon.hpp"
#include "tests/runtime/ws_client.hpp"

using namespace intentd;
using namespace intentd::test;

TEST_CASE("a close code RFC 6455 does not allow fails the WebSocket with "
          "1002; an allowed one is echoed") {
  temp_dir dir;
  loopback_daemon d;
  d.config = loopback_config(dir, 5);
  d.start();
  // Beast refuses the reserved codes below 3000 by itself; 5000 and up it
  // would echo.
  for (uint16_t bad : {999, 1004, 1005, 1006, 1015, 2999, 5000, 65535}) {
    CAPTURE(bad);
    ws_client c{d.port};
    c.close(bad);
    CHECK(c.close_code() == 1002);
  }
  for (uint16_t good : {1000, 1001, 3000, 4000, 4999}) {
    CAPTURE(good);
    ws_client c{d.port};
    c.close(good);
    CHECK(c.close_code() == good);
  }
  // The gateway is still there.
  ws_client after{d.port};
  after.close();
  CHECK(after.close_code() == 1000);
}
