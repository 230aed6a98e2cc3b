#pragma once

#include <cstdint>
#include <functional>
#include <memory>
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

  // Executes one command and appends its reply. After it returns, the connection closes if
  // client.close_after_reply is set (once the reply is written).
  void execute(Client& client, std::span<const std::string_view> argv, ReplyBuilder& reply);

  // Periodic work (active expiry, statistics); server/ calls it `hz` times per second.
  void cron();

  // Set by server/: SHUTDOWN asks the process to stop through it.
  std::function<void()> request_shutdown;

  // The counters that server/ feeds: connections accepted and refused, bytes in and out.
  struct NetStats {
    uint64_t connections_received = 0;
    uint64_t rejected_connections = 0;
    uint64_t net_input_bytes = 0;
    uint64_t net_output_bytes = 0;
  };
  NetStats& net_stats();

  EngineState& state();

 private:
  std::unique_ptr<EngineState> state_;
};

}  // namespace eddy::commands
