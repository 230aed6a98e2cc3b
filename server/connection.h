#pragma once

// Boost 1.74's asio needs <utility> before it with GCC 12 (std::exchange).
#include <utility>

#include <boost/asio.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "commands/client.h"
#include "server/resp_parser.h"

namespace eddy::server {

class Server;
class TlsContext;
class TlsStream;

// One client connection: one read buffer (the parser's), one output buffer filling while at most
// one write is in flight. Every command of a read batch is executed and all their replies leave
// in one write, which is what makes pipelining cheap. On the TLS port the same reads and writes go
// through a TlsStream after its handshake; everything above the byte stream is shared.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `tls`: the TLS port's context, or null for a plain connection.
  Connection(Server& server, boost::asio::ip::tcp::socket socket, TlsContext* tls = nullptr);
  ~Connection();

  void start();
  void close();
  const commands::Client& client() const { return client_; }

 private:
  // Reading starts once a TLS handshake, if any, is done.
  void begin();
  void read();
  void on_read(const boost::system::error_code& ec, size_t n);
  void process();
  void flush();
  // The replies just produced wait for what the journal holds now.
  void note_replies();
  // client-output-buffer-limit: closes the connection when the replies waiting to be written
  // pass the hard limit, or stay above the soft one too long. True when it closed.
  bool close_if_over_output_limit();
  void on_written(const boost::system::error_code& ec, size_t n);

  Server& server_;
  boost::asio::ip::tcp::socket socket_;
  std::shared_ptr<TlsStream> tls_;
  commands::Client client_;
  RespParser parser_;
  std::vector<std::string_view> argv_;
  std::string out_;      // replies waiting for the next write
  std::string writing_;  // the write in flight
  bool write_in_flight_ = false;
  // Replies held until the journal records they may depend on are written (fsynced under
  // appendfsync always); the connection reads nothing more meanwhile.
  bool held_ = false;
  uint64_t needed_ = 0;  // the journal offset the replies in out_ wait for
  bool reading_ = false;
  bool processing_ = false;  // executing a read batch's commands
  bool closed_ = false;
  int64_t over_soft_limit_since_ms_ = 0;  // 0: under client-output-buffer-limit's soft limit
};

}  // namespace eddy::server
