#include "runtime/cluster/messages.hpp"

#include <caf/actor_system_config.hpp>

namespace intentd {

void add_cluster_message_types(caf::actor_system_config& cfg) {
  add_message_types(cfg);
  cfg.add_message_types<caf::id_block::intentd_cluster>();
}

} // namespace intentd
