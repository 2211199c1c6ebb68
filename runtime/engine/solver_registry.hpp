#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "runtime/model/intent.hpp"

namespace intentd {

class engine_metrics;

/// One authenticated connection of an external solver, as the registry
/// sees it; the WebSocket session at /api/v1/solver-ws implements it.
/// Both calls are thread-safe and never block.
class solver_link {
public:
  virtual ~solver_link() = default;
  /// Queues a text frame; false when the connection is closing or its
  /// bounded queue is full (it is then closed as a slow consumer).
  virtual bool send(std::string text) = 0;
  /// Closes the connection with `code` and `reason`.
  virtual void close(uint16_t code, std::string reason) = 0;
};

/// A `quote` frame as an authenticated solver sent it, unparsed.
struct received_quote {
  std::string solver_id;
  std::string text;
  time_us received_at = 0; // wall clock, microseconds since the epoch
};

/// The external solvers of `solvers.external` and which of them are
/// connected and authenticated now: at most one connection per solver id,
/// so the registry holds at most as many links as solvers are configured.
/// Thread-safe. Received quotes go to one handler, called on the thread of
/// the connection that read them, in the order that connection read them.
class solver_registry {
public:
  using quote_handler = std::function<void(received_quote)>;
  /// Called with a solver id whose connection went away: closed, or
  /// replaced by a newer one (its open quotes no longer count).
  using gone_handler = std::function<void(const std::string& solver_id)>;
  /// Called with a solver id whose connection was just authenticated and
  /// attached (after the gone handler of the connection it replaced).
  using connected_handler = std::function<void(const std::string& solver_id)>;
  using clock = std::function<time_us()>;

  /// `metrics` (may be null) gets the gauges of connected solvers
  /// (external_solvers_connected, solver_connected).
  explicit solver_registry(std::vector<cfg::external_solver> solvers,
                           std::shared_ptr<engine_metrics> metrics = nullptr,
                           clock now = wall_clock);

  /// The configured solver `id`, or nullopt.
  std::optional<cfg::external_solver> find(const std::string& id) const;

  /// Ids of the solvers connected and authenticated now, sorted.
  std::vector<std::string> connected() const;
  bool is_connected(const std::string& id) const;

  /// Queues a text frame to solver `id`; false when it is not connected or
  /// its connection refused the frame.
  bool send(const std::string& id, std::string text);

  /// The handler for received quotes (empty: quotes are dropped). Replaces
  /// the previous one; a call already running finishes with it.
  void on_quote(quote_handler handler);
  /// The handler for connections that went away (empty: none). Called on
  /// the thread of the connection that attached or detached; must not
  /// block.
  void on_gone(gone_handler handler);
  /// The handler for connections that were attached (empty: none). Called
  /// on the thread of the connection that attached; must not block.
  void on_connected(connected_handler handler);

  // For the connections.

  /// Makes `link` the connection of `id` (a configured solver); the one it
  /// replaces, if any, is returned for the caller to close.
  std::shared_ptr<solver_link> attach(const std::string& id,
                                      std::shared_ptr<solver_link> link);
  /// Forgets `link` when it is still the connection of `id`.
  void detach(const std::string& id, const solver_link* link);
  /// Hands a received quote frame of `id` to the handler.
  void deliver_quote(const std::string& id, std::string text);

private:
  static time_us wall_clock();

  std::vector<cfg::external_solver> solvers_;
  std::shared_ptr<engine_metrics> metrics_;
  clock now_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<solver_link>> links_;
  std::shared_ptr<const quote_handler> handler_;
  std::shared_ptr<const gone_handler> gone_;
  std::shared_ptr<const connected_handler> connected_;

  void tell_gone(const std::string& id);
  void tell_connected(const std::string& id);
};

} // namespace intentd
