#pragma once

// Boost 1.74's asio needs <utility> before it with GCC 12 (std::exchange).
#include <utility>

#include <boost/asio.hpp>

#include <memory>
#include <string>

#include "commands/engine.h"

namespace eddy::server {

// The optional Prometheus endpoint (`metrics-port`): plain HTTP/1.1 on the command thread's
// io_context, so the figures are read where they live, without locks. GET /metrics answers
// INFO's figures in the text exposition format; any other request gets 404. Each connection
// carries one request and is closed after the answer; a malformed request, one whose head
// exceeds 8 KiB, or one that does not arrive within 10 seconds is closed without an answer.
class MetricsServer {
 public:
  static constexpr size_t kMaxHead = 8192;
  static constexpr size_t kMaxConnections = 16;

  MetricsServer(boost::asio::io_context& io, commands::Engine& engine);
  ~MetricsServer();

  // Listens on `host`:`port`; an error text when it cannot.
  std::string listen(const std::string& host, int port);
  void stop();

  // What the endpoint answers to a complete request head: the whole HTTP response.
  std::string respond(std::string_view method, std::string_view target);

 private:
  class Session;
  void accept();

  boost::asio::io_context& io_;
  commands::Engine& engine_;
  boost::asio::ip::tcp::acceptor acceptor_;
  size_t open_ = 0;  // sessions not yet closed
  bool stopped_ = false;
};

}  // namespace eddy::server
