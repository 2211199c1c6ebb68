// The transition hook runs on the intent's thread: it only turns a durable
// snapshot into updates and sends them to the notifier.

#include <caf/send.hpp>

#include "actors/notifier.hpp"

namespace intentd {

transition_hook
make_notifier_hook(notifier_actor notifier,
                   std::shared_ptr<const token_registry> tokens,
                   std::shared_ptr<std::atomic<uint64_t>> active) {
  return [=](const intent_record& stored, uint64_t previous) {
    if (active && active->load() == 0)
      return;
    caf::anon_send(notifier, publish_atom::value,
                   updates_between(stored, previous, *tokens));
  };
}

} // namespace intentd
