#include "server/metrics_server.h"

#include <chrono>

#include "server/http_request.h"

namespace eddy::server {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr auto kRequestTimeout = std::chrono::seconds(10);

std::string response(std::string_view status, std::string_view content_type,
                     std::string_view body) {
  std::string out = "HTTP/1.1 ";
  out.append(status);
  out.append("\r\nContent-Type: ").append(content_type);
  out.append("\r\nContent-Length: ").append(std::to_string(body.size()));
  out.append("\r\nConnection: close\r\n\r\n").append(body);
  return out;
}

}  // namespace

// One connection: reads a request head, answers it and closes.
class MetricsServer::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(MetricsServer& server, tcp::socket socket)
      : server_(server), socket_(std::move(socket)), timer_(socket_.get_executor()) {}

  void start() {
    ++server_.open_;
    timer_.expires_after(kRequestTimeout);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->close();
    });
    read();
  }

 private:
  void read() {
    const size_t have = buffer_.size();
    buffer_.resize(kMaxHead);
    socket_.async_read_some(
        asio::buffer(buffer_.data() + have, kMaxHead - have),
        [self = shared_from_this(), have](const boost::system::error_code& ec, size_t n) {
          self->buffer_.resize(have + (ec ? 0 : n));
          if (ec || self->closed_) return self->close();
          self->on_read();
        });
  }

  void on_read() {
    HttpRequest request;
    switch (parse_http_request(buffer_, kMaxHead, request)) {
      case HttpParse::kNeedMore:
        return read();
      case HttpParse::kBad:
        return close();
      case HttpParse::kComplete:
        break;
    }
    reply_ = server_.respond(request.method, request.target);
    asio::async_write(socket_, asio::buffer(reply_),
                      [self = shared_from_this()](const boost::system::error_code&, size_t) {
                        self->close();
                      });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    --server_.open_;
    boost::system::error_code ignored;
    timer_.cancel(ignored);
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  MetricsServer& server_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  std::string buffer_;
  std::string reply_;
  bool closed_ = false;
};

MetricsServer::MetricsServer(asio::io_context& io, commands::Engine& engine)
    : io_(io), engine_(engine), acceptor_(io) {}

MetricsServer::~MetricsServer() = default;

std::string MetricsServer::listen(const std::string& host, int port) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return "Invalid metrics address '" + host + "'";
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(64, ec);
  if (ec)
    return "Could not create the metrics listening socket " + host + ":" + std::to_string(port) +
           ": " + ec.message();
  accept();
  return "";
}

void MetricsServer::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    if (stopped_ || ec == asio::error::operation_aborted) return;
    if (!ec) {
      // A scraper needs one connection at a time: past a few, refuse rather than pile up.
      if (open_ >= kMaxConnections) {
        boost::system::error_code ignored;
        socket.close(ignored);
      } else {
        std::make_shared<Session>(*this, std::move(socket))->start();
      }
    }
    accept();
  });
}

void MetricsServer::stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

std::string MetricsServer::respond(std::string_view method, std::string_view target) {
  if (method == "GET" && http_path(target) == "/metrics")
    return response("200 OK", "text/plain; version=0.0.4; charset=utf-8", engine_.metrics());
  return response("404 Not Found", "text/plain; charset=utf-8", "404 page not found\n");
}

}  // namespace eddy::server
