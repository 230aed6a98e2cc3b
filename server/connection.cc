#include "server/connection.h"

#include <algorithm>
#include <chrono>

#include "commands/reply.h"
#include "compact/log.h"
#include "server/server.h"
#include "server/tls.h"

namespace eddy::server {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr size_t kReadChunk = 16 * 1024;

int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string endpoint_text(const tcp::endpoint& ep) {
  auto addr = ep.address();
  if (addr.is_v6() && addr.to_v6().is_v4_mapped())
    addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
  // Redis's anetFormatAddr: an IPv6 address in brackets.
  const std::string host = addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string();
  return host + ":" + std::to_string(ep.port());
}

}  // namespace

Connection::Connection(Server& server, tcp::socket socket, TlsContext* tls)
    : server_(server), socket_(std::move(socket)) {
  if (tls) tls_ = std::make_shared<TlsStream>(socket_, *tls);
}

Connection::~Connection() = default;

void Connection::start() {
  boost::system::error_code ec;
  socket_.set_option(tcp::no_delay(true), ec);
  auto remote = socket_.remote_endpoint(ec);
  if (!ec) client_.addr = endpoint_text(remote);
  auto local = socket_.local_endpoint(ec);
  if (!ec) client_.laddr = endpoint_text(local);
  client_.fd = static_cast<int>(socket_.native_handle());
  client_.created_ms = client_.last_interaction_ms = wall_ms();
  std::weak_ptr<Connection> weak = shared_from_this();
  client_.kill = [weak] {
    if (auto self = weak.lock()) {
      // Killed by another client's command: close once the current batch is done.
      asio::post(self->socket_.get_executor(), [self] { self->close(); });
    }
  };
  client_.send_async = [weak](std::string_view bytes) {
    if (auto self = weak.lock()) {
      self->out_.append(bytes);
      // Sent to itself (MONITOR shows a monitor its own commands): the bytes leave with the
      // batch's replies.
      if (self->processing_) return;
      if (self->close_if_over_output_limit()) return;
      self->note_replies();
      self->flush();
    }
  };
  client_.resume = [weak] {
    if (auto self = weak.lock()) {
      // Unblocked by another client's command: go on with what this client already sent.
      asio::post(self->socket_.get_executor(), [self] {
        if (self->closed_) return;
        self->process();
        self->flush();
        self->read();
      });
    }
  };
  server_.add(this);
  server_.engine().connect(client_);
  server_.engine().net_stats().connections_received++;
  begin();
}

void Connection::begin() {
  if (!tls_) return read();
  tls_->async_handshake([self = shared_from_this()](const boost::system::error_code& ec) {
    if (self->closed_) return;
    if (ec) {
      compact::log(compact::LogLevel::kVerbose,
                   "Error accepting a client connection: " + ec.message() +
                       " (addr=" + self->client_.addr + ")");
      return self->close();
    }
    self->read();
  });
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  server_.engine().disconnect(client_);
  server_.remove(this);
  boost::system::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

void Connection::read() {
  if (closed_ || reading_ || held_ || client_.close_after_reply) return;
  reading_ = true;
  char* dst = parser_.prepare(kReadChunk);
  size_t room = kReadChunk;
  auto done = [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
    self->on_read(ec, n);
  };
  if (tls_)
    tls_->async_read_some(dst, room, std::move(done));
  else
    socket_.async_read_some(asio::buffer(dst, room), std::move(done));
}

void Connection::on_read(const boost::system::error_code& ec, size_t n) {
  reading_ = false;
  if (closed_) return;
  if (ec) return close();  // EOF, reset, or operation_aborted: a normal stop
  parser_.commit(n);
  server_.engine().net_stats().net_input_bytes += n;
  server_.engine().net_stats().reads_processed++;
  client_.last_interaction_ms = wall_ms();
  process();
  if (closed_) return;
  flush();
  if (client_.close_after_reply && !write_in_flight_ && !held_) return close();
  read();
}

void Connection::process() {
  processing_ = true;
  commands::Config& config = server_.config();
  RespParser::Limits limits;
  limits.max_bulk = config.integer("proto-max-bulk-len");
  parser_.set_limits(limits);
  while (!client_.close_after_reply && !client_.blocked) {
    // Redis's pre-AUTH request limits, rechecked per command: an AUTH lifts them for the very
    // next command of the same read.
    const bool unauthenticated =
        !client_.authenticated && server_.engine().auth_required(client_);
    if (unauthenticated != limits.unauthenticated) {
      limits.unauthenticated = unauthenticated;
      parser_.set_limits(limits);
    }
    commands::ReplyBuilder reply(out_, client_.resp);
    RespParser::Status status = parser_.next(argv_);
    if (status == RespParser::Status::kNeedMore) break;
    if (status == RespParser::Status::kError) {
      compact::log(compact::LogLevel::kVerbose,
                   "Protocol error (" + parser_.error() + ") from client: addr=" + client_.addr);
      reply.error(parser_.error());
      client_.close_after_reply = true;
      break;
    }
    server_.engine().execute(client_, argv_, reply);
  }
  processing_ = false;
  note_replies();
  client_.query_buffer_bytes = parser_.pending();
  client_.output_buffer_bytes = out_.size();
  if (static_cast<int64_t>(parser_.pending()) > config.integer("client-query-buffer-limit")) {
    compact::log(compact::LogLevel::kWarning,
                 "Closing client that reached max query buffer length: addr=" + client_.addr);
    close();
    return;
  }
  close_if_over_output_limit();
}

bool Connection::close_if_over_output_limit() {
  const commands::OutputBufferLimit& limit = server_.output_limit();
  if (limit.hard == 0 && limit.soft == 0) return false;
  // What waits in eddy: the replies not handed to the socket, and the write in flight (a reader
  // that stopped reading keeps it in flight).
  const auto pending = static_cast<int64_t>(out_.size() + writing_.size());
  bool over = limit.hard != 0 && pending >= limit.hard;
  if (limit.soft != 0 && pending >= limit.soft) {
    const int64_t now = wall_ms();
    if (over_soft_limit_since_ms_ == 0) over_soft_limit_since_ms_ = now;
    over = over || now - over_soft_limit_since_ms_ > limit.soft_seconds * 1000;
  } else {
    over_soft_limit_since_ms_ = 0;
  }
  if (!over) return false;
  compact::log(compact::LogLevel::kWarning,
               "Client addr=" + client_.addr +
                   " scheduled to be closed ASAP for overcoming of output buffer limits.");
  close();
  return true;
}

void Connection::note_replies() { needed_ = std::max(needed_, server_.engine().reply_barrier()); }

void Connection::flush() {
  if (closed_ || held_ || write_in_flight_ || out_.empty()) return;
  if (needed_ != 0) {
    held_ = true;
    // The wait owns the connection: no read or write is pending to keep it alive meanwhile.
    server_.engine().when_journaled(std::exchange(needed_, 0), [self = shared_from_this()] {
      if (self->closed_) return;
      self->held_ = false;
      self->flush();
      if (self->client_.close_after_reply && !self->write_in_flight_) return self->close();
      self->read();
    });
    return;
  }
  write_in_flight_ = true;
  writing_.swap(out_);
  out_.clear();
  auto done = [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
    self->on_written(ec, n);
  };
  if (tls_)
    tls_->async_write(writing_.data(), writing_.size(), std::move(done));
  else
    asio::async_write(socket_, asio::buffer(writing_), std::move(done));
}

void Connection::on_written(const boost::system::error_code& ec, size_t n) {
  write_in_flight_ = false;
  if (closed_) return;
  if (ec) return close();
  server_.engine().net_stats().net_output_bytes += n;
  server_.engine().net_stats().writes_processed++;
  writing_.clear();
  if (!out_.empty()) return flush();
  if (client_.close_after_reply) return close();
}

}  // namespace eddy::server
