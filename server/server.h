#pragma once

// Boost 1.74's asio needs <utility> before it with GCC 12 (std::exchange).
#include <utility>

#include <boost/asio.hpp>

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "commands/config.h"
#include "commands/engine.h"

namespace eddy::server {

class Connection;
class MetricsServer;
class TlsContext;

// The network front end: listeners, connections, and the periodic cron. Everything runs on one
// io_context thread, which is also the thread that executes commands.
class Server {
 public:
  Server(boost::asio::io_context& io, commands::Config& config, commands::Engine& engine);
  ~Server();

  // Opens the listeners of `bind` on `port` (none for port 0, as in Redis) and, with a
  // `tls-port`, TLS listeners on the same addresses; with a `metrics-port`, the Prometheus
  // endpoint on the first of them. Returns an error text if none could be
  // opened or the TLS files cannot be used.
  std::string listen();
  void stop();

  commands::Config& config() { return config_; }
  commands::Engine& engine() { return engine_; }
  boost::asio::io_context& io() { return io_; }
  // client-output-buffer-limit's normal class, which eddy's clients all belong to.
  const commands::OutputBufferLimit& output_limit() const { return output_limit_; }
  void add(Connection* c) { connections_.insert(c); }
  void remove(Connection* c) { connections_.erase(c); }

 private:
  std::string listen_on(int port, TlsContext* tls);
  void accept(boost::asio::ip::tcp::acceptor& acceptor, TlsContext* tls);
  void schedule_cron();
  void cron();

  boost::asio::io_context& io_;
  commands::Config& config_;
  commands::Engine& engine_;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  std::unique_ptr<TlsContext> tls_;
  std::unique_ptr<MetricsServer> metrics_;
  boost::asio::steady_timer cron_timer_;
  std::unordered_set<Connection*> connections_;
  commands::OutputBufferLimit output_limit_;
  bool stopped_ = false;
};

}  // namespace eddy::server
