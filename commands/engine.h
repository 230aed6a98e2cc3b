#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "commands/client.h"
#include "commands/config.h"
#include "commands/reply.h"

namespace eddy::crdt {
class Clock;
}

namespace eddy::commands {

class EngineState;

// The one entry point server/ uses: it owns the keyspace (through crdt::Replica), the command
// table, the clients and the statistics. Everything runs on the thread that calls it.
class Engine {
 public:
  Engine(Config& config, crdt::Clock& clock);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Registers a new connection. The engine keeps a pointer until disconnect().
  void connect(Client& client);
  void disconnect(Client& client);
  size_t client_count() const;

  // True while the client must still authenticate: server/ applies Redis's small request limits
  // to it meanwhile.
  bool auth_required(const Client& client) const;

  // Executes one command and appends its reply. After it returns, the connection closes if
  // client.close_after_reply is set (once the reply is written).
  void execute(Client& client, std::span<const std::string_view> argv, ReplyBuilder& reply);

  // Opens the data directory (the working directory): its lock, the replica's identity, the
  // snapshot and the journal. `post` runs a function on the command thread. server/ calls it
  // once before listening; an error text means eddy must not start. Without it (unit tests)
  // nothing is written to disk.
  std::optional<std::string> start_persistence(std::function<void(std::function<void()>)> post);
  // SHUTDOWN and SIGTERM: stops a snapshot child, saves when `save` says so (by default when
  // `save` rules are configured, as Redis does) and makes the journal durable. An error text
  // when the final save failed.
  std::optional<std::string> prepare_shutdown(std::optional<bool> save);
  // Replies leave only once the journal records they may depend on are written (and fsynced,
  // under `appendfsync always`): the journal offset to wait for (0: none), and the wait.
  uint64_t reply_barrier() const;
  void when_journaled(uint64_t offset, std::function<void()> done);

  // Periodic work (active expiry, statistics); server/ calls it `hz` times per second.
  void cron();

  // INFO's figures in Prometheus's text exposition format, for the metrics endpoint.
  std::string metrics();

  // Set by server/: SHUTDOWN asks the process to stop through it.
  std::function<void()> request_shutdown;

  // The counters that server/ feeds: connections accepted and refused, bytes in and out.
  struct NetStats {
    uint64_t connections_received = 0;
    uint64_t rejected_connections = 0;
    uint64_t net_input_bytes = 0;
    uint64_t net_output_bytes = 0;
    uint64_t reads_processed = 0;   // reads from client sockets
    uint64_t writes_processed = 0;  // writes to client sockets
  };
  NetStats& net_stats();

  EngineState& state();

 private:
  std::unique_ptr<EngineState> state_;
};

}  // namespace eddy::commands
