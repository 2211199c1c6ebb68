#pragma once

#include <memory>

#include "config/config.hpp"
#include "runtime/engine/component_settings.hpp"
#include "runtime/engine/engine.hpp"

namespace intentd {

/// The engine of one node of a cluster (config.cluster set): this node's
/// own engine, plus the membership and the endpoint other nodes call over
/// CAF's middleman. Every request reaches the node that owns it
/// (rendezvous hashing of the intent id over the node names); a request
/// that needs a node that is down is answered node_unavailable at once.
/// Throws like engine_core::start when the engine or the middleman's port
/// cannot start.
/// `settings` are the components' settings mapped from `config`.
std::unique_ptr<engine_core>
start_cluster_node(const cfg::config& config,
                   const component_settings& settings);

} // namespace intentd
