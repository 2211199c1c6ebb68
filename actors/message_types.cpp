#include "actors/message_types.hpp"

#include <caf/actor_system_config.hpp>

namespace intentd {

void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::intentd_messages>();
}

} // namespace intentd
