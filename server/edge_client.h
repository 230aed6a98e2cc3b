#pragma once

// Boost 1.74's asio needs <utility> before it with GCC 12 (std::exchange).
#include <utility>

#include <boost/asio.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "commands/engine.h"

struct redisReader;
struct redisReply;

namespace eddy::server {

// An edge's connection to its hub, on the server's event loop: EDGE.HELLO, then pushes of the
// edge's own durable units and pulls of everything else, each pull acknowledged once what it
// brought is fsynced here. One request at a time; a lost connection is retried with exponential
// backoff and jitter.
class EdgeClient : public std::enable_shared_from_this<EdgeClient> {
 public:
  EdgeClient(boost::asio::io_context& io, commands::Engine& engine, std::string host,
             std::string port);
  ~EdgeClient();
  EdgeClient(const EdgeClient&) = delete;
  EdgeClient& operator=(const EdgeClient&) = delete;

  void start();
  void stop();

 private:
  using OnReply = std::function<void(const redisReply&)>;

  void connect();
  void send(std::vector<std::string> argv, OnReply on_reply);
  void read();
  void hello();
  // The next request: a push while units wait, else a pull.
  void step();
  void pull();
  void idle();
  // Drops the connection (a refusal, an error, a broken socket) and tries again later.
  void fail(const std::string& why);

  boost::asio::io_context& io_;
  commands::Engine& engine_;
  std::string host_;
  std::string port_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  redisReader* reader_ = nullptr;
  std::string out_;
  char in_[16 * 1024];
  OnReply pending_;
  int failures_ = 0;
  uint64_t generation_ = 0;  // bumped per connection: stale callbacks see it changed
  bool stopped_ = false;
  std::string last_error_;
};

}  // namespace eddy::server
