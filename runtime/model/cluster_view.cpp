#include "runtime/model/cluster_view.hpp"

namespace intentd {

const char* to_string(node_state s) {
  switch (s) {
  case node_state::self:
    return "self";
  case node_state::up:
    return "up";
  case node_state::down:
    return "down";
  }
  return "down";
}

} // namespace intentd
