#include "server/edge_client.h"

#include <hiredis/hiredis.h>
#include <hiredis/read.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "commands/engine_state.h"
#include "compact/log.h"
#include "sync/frame.h"

namespace eddy::server {
namespace {

namespace asio = boost::asio;
using compact::log;
using compact::LogLevel;

constexpr int kPushWindow = 4;
constexpr uint64_t kLongPollMs = 10'000;
// How long a request may go unanswered beyond its own wait before the hub counts as gone (a
// partition without a reset leaves the socket open).
constexpr uint64_t kReplyTimeoutMs = 15'000;

std::string resp_command(const std::vector<std::string>& argv) {
  std::string out = "*" + std::to_string(argv.size()) + "\r\n";
  for (const std::string& arg : argv) {
    out += "$" + std::to_string(arg.size()) + "\r\n";
    out += arg;
    out += "\r\n";
  }
  return out;
}

std::string_view text_of(const redisReply& reply) {
  return std::string_view(reply.str ? reply.str : "", reply.len);
}

}  // namespace

HubChannel::HubChannel(asio::io_context& io, commands::Engine& engine, std::string host,
                       std::string port, Purpose purpose, TlsContext* tls)
    : io_(io),
      engine_(engine),
      host_(std::move(host)),
      port_(std::move(port)),
      purpose_(purpose),
      resolver_(io),
      socket_(io),
      tls_(tls),
      retry_timer_(io),
      watchdog_(io) {}

HubChannel::~HubChannel() {
  if (reader_) redisReaderFree(reader_);
}

void HubChannel::stop() {
  state_ = State::kStopped;
  ++generation_;
  boost::system::error_code ec;
  socket_.close(ec);
  tls_stream_.reset();
  retry_timer_.cancel();
  watchdog_.cancel();
}

void HubChannel::connected(bool up) {
  sync::SyncNode::Link& link = engine_.state().sync->link();
  (purpose_ == Purpose::kPush ? link.push_up : link.pull_up) = up;
}

void HubChannel::connect() {
  if (state_ == State::kStopped || state_ == State::kPaused) return;
  state_ = State::kConnecting;
  const uint64_t generation = ++generation_;
  if (reader_) redisReaderFree(reader_);
  reader_ = redisReaderCreate();
  waiting_.clear();
  out_.clear();
  writing_.reset();
  pushes_in_flight_ = 0;
  probing_ = false;
  resolver_.async_resolve(
      host_, port_,
      [self = shared_from_this(), generation](const boost::system::error_code& ec,
                                              asio::ip::tcp::resolver::results_type results) {
        if (generation != self->generation_) return;
        if (ec) return self->fail("can't resolve the hub " + self->host_ + ": " + ec.message());
        asio::async_connect(self->socket_, results,
                            [self, generation](const boost::system::error_code& ec2,
                                               const asio::ip::tcp::endpoint&) {
                              if (generation != self->generation_) return;
                              if (ec2)
                                return self->fail("can't connect to the hub: " + ec2.message());
                              boost::system::error_code ignored;
                              self->socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
                              if (!self->tls_) return self->ready();
                              self->tls_stream_ =
                                  std::make_shared<TlsStream>(self->socket_, *self->tls_);
                              self->tls_stream_->async_handshake(
                                  [self, generation](const boost::system::error_code& ec3) {
                                    if (generation != self->generation_) return;
                                    if (ec3)
                                      return self->fail("TLS handshake with the hub failed: " +
                                                        ec3.message());
                                    self->ready();
                                  });
                            });
      });
}

void HubChannel::ready() {
  read();
  hello();
}

void HubChannel::send(std::vector<std::string> argv, OnReply on_reply, uint64_t wait_ms) {
  if (waiting_.empty()) arm_watchdog(wait_ms);
  waiting_.push_back(std::move(on_reply));
  out_ += resp_command(argv);
  write();
}

void HubChannel::write() {
  if (writing_ || out_.empty()) return;
  writing_ = std::make_shared<std::string>(std::exchange(out_, {}));
  auto written = [self = shared_from_this(), bytes = writing_, generation = generation_](
                     const boost::system::error_code& ec, size_t) {
    if (generation != self->generation_) return;
    self->writing_.reset();
    if (ec) return self->fail("lost the hub: " + ec.message());
    self->write();
  };
  if (tls_stream_)
    tls_stream_->async_write(writing_->data(), writing_->size(), std::move(written));
  else
    asio::async_write(socket_, asio::buffer(*writing_), std::move(written));
}

void HubChannel::arm_watchdog(uint64_t wait_ms) {
  watchdog_.expires_after(std::chrono::milliseconds(wait_ms + kReplyTimeoutMs));
  watchdog_.async_wait(
      [self = shared_from_this(), generation = generation_](const boost::system::error_code& ec) {
        if (ec || generation != self->generation_ || self->waiting_.empty()) return;
        self->fail("the hub did not answer in time");
      });
}

void HubChannel::read() {
  auto received = [self = shared_from_this(), generation = generation_](
                      const boost::system::error_code& ec, size_t n) {
    if (generation != self->generation_) return;
    if (ec) return self->fail("lost the hub: " + ec.message());
    redisReaderFeed(self->reader_, self->in_, n);
    for (;;) {
      void* reply = nullptr;
      if (redisReaderGetReply(self->reader_, &reply) != REDIS_OK)
        return self->fail("the hub sent a malformed reply");
      if (!reply) break;
      if (self->waiting_.empty()) {
        freeReplyObject(reply);
        return self->fail("the hub sent a reply nobody asked for");
      }
      OnReply done = std::move(self->waiting_.front());
      self->waiting_.pop_front();
      // Progress: the requests still waiting get a fresh deadline.
      if (!self->waiting_.empty()) self->arm_watchdog(kLongPollMs);
      done(*static_cast<redisReply*>(reply));
      freeReplyObject(reply);
      if (generation != self->generation_) return;  // the reply ended the connection
    }
    self->read();
  };
  if (tls_stream_)
    tls_stream_->async_read_some(in_, sizeof in_, std::move(received));
  else
    socket_.async_read_some(asio::buffer(in_), std::move(received));
}

void HubChannel::fail(const std::string& why) {
  sync::SyncNode::Link& link = engine_.state().sync->link();
  if (why != last_error_) log(LogLevel::kWarning, "Sync with the hub: " + why);
  last_error_ = why;
  link.last_error = why;
  connected(false);
  ++generation_;
  waiting_.clear();
  boost::system::error_code ec;
  socket_.close(ec);
  tls_stream_.reset();
  watchdog_.cancel();
  if (state_ == State::kStopped || state_ == State::kPaused) return;
  state_ = State::kDown;
  retry_later();
}

void HubChannel::retry_later() {
  // 100 ms doubling to 5 s, with jitter so that a fleet does not reconnect in step.
  static thread_local std::mt19937 rng{std::random_device{}()};
  const int base = std::min(5000, 100 << std::min(failures_++, 6));
  const int delay = base / 2 + static_cast<int>(rng() % static_cast<unsigned>(base / 2 + 1));
  retry_timer_.expires_after(std::chrono::milliseconds(delay));
  retry_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec && self->state_ == State::kDown) self->connect();
  });
}

void HubChannel::pause() {
  if (state_ == State::kStopped) return;
  if (state_ == State::kReady || state_ == State::kConnecting) {
    ++generation_;
    waiting_.clear();
    boost::system::error_code ec;
    socket_.close(ec);
    tls_stream_.reset();
    watchdog_.cancel();
  }
  retry_timer_.cancel();
  connected(false);
  state_ = State::kPaused;
}

void HubChannel::sync_now() {
  switch (state_) {
    case State::kPaused:
      state_ = State::kDown;
      [[fallthrough]];
    case State::kDown:
      failures_ = 0;
      retry_timer_.cancel();
      return connect();
    case State::kReady:
      if (purpose_ == Purpose::kPush) pump();
      return;
    case State::kConnecting:
    case State::kStopped:
      return;
  }
}

void HubChannel::wake() {
  if (state_ == State::kReady && purpose_ == Purpose::kPush) pump();
}

void HubChannel::hello() {
  commands::EngineState& state = engine_.state();
  state.replica.refresh_time();
  sync::Edge& edge = *state.sync->edge();
  send({"EDGE.HELLO", sync::encode_frame(edge.hello(state.replica.now_ms()))},
       [this](const redisReply& reply) {
         if (reply.type == REDIS_REPLY_ERROR)
           return fail("the hub refused: " + std::string(text_of(reply)));
         auto hello = sync::decode_frame_as<sync::HelloReply>(text_of(reply));
         if (auto* error = std::get_if<sync::FrameError>(&hello))
           return fail("bad hello reply frame: " + error->text);
         sync::Edge& edge = *engine_.state().sync->edge();
         const auto& answer = std::get<sync::HelloReply>(hello);
         if (auto err = edge.check_hello_reply(answer)) return fail(*err);
         // Only the push channel restarts pushing: the pull channel's reconnects leave pushes
         // in flight on the other connection alone.
         if (purpose_ == Purpose::kPush) {
           edge.restart_pushes(answer.acked_seq);
           engine_.state().sync->on_push_acked(answer.acked_seq);
         }
         if (!last_error_.empty()) log(LogLevel::kNotice, "Sync with the hub: connected");
         last_error_.clear();
         state_ = State::kReady;
         failures_ = 0;
         connected(true);
         if (purpose_ == Purpose::kPush) return pump();
         pull(kLongPollMs);
       });
}

void HubChannel::pump() {
  commands::EngineState& state = engine_.state();
  sync::Edge& edge = *state.sync->edge();
  while (pushes_in_flight_ < kPushWindow) {
    const sync::OutboxBatch* batch = edge.next_push();
    if (!batch) break;
    ++pushes_in_flight_;
    send({"EDGE.PUSH", sync::encode_push_frame(batch->payload)}, [this](const redisReply& reply) {
      --pushes_in_flight_;
      if (reply.type != REDIS_REPLY_INTEGER)
        return fail("the hub refused a push: " + std::string(text_of(reply)));
      engine_.state().sync->on_push_acked(static_cast<uint64_t>(reply.integer));
      engine_.state().wake_sync_waiters();
      pump();
    });
  }
  // A probe once the pushes are through, while EDGE.SYNC waits for a pull it has not seen.
  if (pushes_in_flight_ == 0 && !probing_ && state.sync_waiter_needs_pull()) pull(0);
}

void HubChannel::pull(uint64_t wait_ms) {
  commands::EngineState& state = engine_.state();
  state.replica.refresh_time();
  const int64_t sent_ms = state.replica.now_ms();
  if (wait_ms == 0) probing_ = true;
  send(
      {"EDGE.PULL",
       sync::encode_frame(state.sync->edge()->next_pull(
           static_cast<uint64_t>(state.config.integer("sync-pull-bytes")), wait_ms))},
      [this, sent_ms](const redisReply& reply) { on_pulled(reply, sent_ms); }, wait_ms);
}

void HubChannel::on_pulled(const redisReply& reply, int64_t sent_ms) {
  if (reply.type == REDIS_REPLY_ERROR)
    return fail("the hub refused a pull: " + std::string(text_of(reply)));
  auto decoded = sync::decode_frame_as<sync::PullReply>(text_of(reply));
  if (auto* error = std::get_if<sync::FrameError>(&decoded))
    return fail("bad pull reply frame: " + error->text);
  const auto& units = std::get<sync::PullReply>(decoded);
  commands::EngineState& state = engine_.state();
  state.replica.refresh_time();
  auto result = state.sync->edge()->on_pull_reply(units);
  state.serve_ready_keys();
  if (auto* error = std::get_if<std::string>(&result)) return fail(*error);
  sync::SyncNode::Link& link = state.sync->link();
  link.last_sync_ms = state.replica.now_ms();
  auto next = [this] {
    if (purpose_ == Purpose::kPull) return pull(kLongPollMs);
    probing_ = false;
    pump();
  };
  if (units.to == units.from) {
    // Nothing new at the hub between this pull's sending and its answer.
    link.caught_up_ms = std::max(link.caught_up_ms, sent_ms);
    state.wake_sync_waiters();
    return next();
  }
  // Acknowledged once what it brought is on disk here (a reply of skipped positions only, this
  // edge's own units, brought nothing to wait for).
  const sync::Ack ack = std::get<sync::Ack>(result);
  auto acknowledge = [self = shared_from_this(), ack, generation = generation_,
                      next](uint64_t position) {
    self->engine_.state().sync->on_cursor_acked(ack.cursor, position);
    if (generation != self->generation_) return;
    self->send({"EDGE.ACK", sync::encode_frame(ack)}, [self](const redisReply& r) {
      if (r.type == REDIS_REPLY_ERROR)
        self->fail("the hub refused an ack: " + std::string(text_of(r)));
    });
    next();
  };
  if (units.units.empty()) return acknowledge(state.persistence->journal_position());
  state.persistence->when_fsynced(acknowledge);
}

EdgeClient::EdgeClient(asio::io_context& io, commands::Engine& engine, std::string host,
                       std::string port, TlsContext* tls)
    : engine_(engine),
      push_(std::make_shared<HubChannel>(io, engine, host, port, HubChannel::Purpose::kPush, tls)),
      pull_(std::make_shared<HubChannel>(io, engine, host, port, HubChannel::Purpose::kPull, tls)) {}

void EdgeClient::start() {
  sync::SyncNode::Link& link = engine_.state().sync->link();
  link.wake = [push = push_] { push->wake(); };
  link.sync_now = [push = push_, pull = pull_] {
    push->sync_now();
    pull->sync_now();
  };
  link.pause = [push = push_, pull = pull_] {
    push->pause();
    pull->pause();
  };
  push_->start();
  pull_->start();
}

void EdgeClient::stop() {
  sync::SyncNode::Link& link = engine_.state().sync->link();
  link.wake = link.sync_now = link.pause = nullptr;
  push_->stop();
  pull_->stop();
}

TlsOptions hub_tls_options(const commands::Config& config, const std::string& host) {
  TlsOptions o;
  o.cert_file = config.text("tls-cert-file");
  o.key_file = config.text("tls-key-file");
  o.ca_file = config.text("tls-ca-cert-file");
  o.verify = TlsOptions::Verify::kRequired;
  o.protocols = config.text("tls-protocols");
  boost::system::error_code not_ip;
  asio::ip::make_address(host, not_ip);
  if (not_ip) o.server_name = host;
  return o;
}

}  // namespace eddy::server
