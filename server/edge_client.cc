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

constexpr uint64_t kPushUnits = 10000;
constexpr uint64_t kBatchBytes = 4 << 20;
constexpr auto kIdlePoll = std::chrono::milliseconds(20);

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

EdgeClient::EdgeClient(asio::io_context& io, commands::Engine& engine, std::string host,
                       std::string port)
    : io_(io),
      engine_(engine),
      host_(std::move(host)),
      port_(std::move(port)),
      resolver_(io),
      socket_(io),
      timer_(io) {}

EdgeClient::~EdgeClient() {
  if (reader_) redisReaderFree(reader_);
}

void EdgeClient::start() { connect(); }

void EdgeClient::stop() {
  stopped_ = true;
  boost::system::error_code ec;
  socket_.close(ec);
  timer_.cancel();
}

void EdgeClient::connect() {
  if (stopped_) return;
  const uint64_t generation = ++generation_;
  if (reader_) redisReaderFree(reader_);
  reader_ = redisReaderCreate();
  pending_ = nullptr;
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
                              self->read();
                              self->hello();
                            });
      });
}

void EdgeClient::send(std::vector<std::string> argv, OnReply on_reply) {
  pending_ = std::move(on_reply);
  out_ = resp_command(argv);
  asio::async_write(socket_, asio::buffer(out_),
                    [self = shared_from_this(), generation = generation_](
                        const boost::system::error_code& ec, size_t) {
                      if (generation != self->generation_) return;
                      if (ec) self->fail("lost the hub: " + ec.message());
                    });
}

void EdgeClient::read() {
  socket_.async_read_some(asio::buffer(in_), [self = shared_from_this(), generation = generation_](
                                                 const boost::system::error_code& ec, size_t n) {
    if (generation != self->generation_) return;
    if (ec) return self->fail("lost the hub: " + ec.message());
    redisReaderFeed(self->reader_, self->in_, n);
    for (;;) {
      void* reply = nullptr;
      if (redisReaderGetReply(self->reader_, &reply) != REDIS_OK)
        return self->fail("the hub sent a malformed reply");
      if (!reply) break;
      auto done = std::exchange(self->pending_, nullptr);
      if (done) done(*static_cast<redisReply*>(reply));
      freeReplyObject(reply);
      if (generation != self->generation_) return;  // the reply ended the connection
    }
    self->read();
  });
}

void EdgeClient::fail(const std::string& why) {
  if (why != last_error_) log(LogLevel::kWarning, "Sync with the hub: " + why);
  last_error_ = why;
  sync::SyncNode::Link& link = engine_.state().sync->link();
  link.connected = false;
  link.last_error = why;
  ++generation_;
  pending_ = nullptr;
  boost::system::error_code ec;
  socket_.close(ec);
  if (stopped_) return;
  // 100 ms doubling to 5 s, with jitter so that a fleet does not reconnect in step.
  static thread_local std::mt19937 rng{std::random_device{}()};
  const int base = std::min(5000, 100 << std::min(failures_++, 6));
  const int delay = base / 2 + static_cast<int>(rng() % static_cast<unsigned>(base / 2 + 1));
  timer_.expires_after(std::chrono::milliseconds(delay));
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec2) {
    if (!ec2) self->connect();
  });
}

void EdgeClient::hello() {
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
         auto& edge = *engine_.state().sync->edge();
         if (auto err = edge.on_hello_reply(std::get<sync::HelloReply>(hello))) return fail(*err);
         if (!last_error_.empty()) log(LogLevel::kNotice, "Sync with the hub: connected");
         last_error_.clear();
         engine_.state().sync->link().connected = true;
         failures_ = 0;
         step();
       });
}

void EdgeClient::step() {
  sync::Edge& edge = *engine_.state().sync->edge();
  auto push = edge.next_push(kPushUnits, kBatchBytes);
  if (!push) return pull();
  send({"EDGE.PUSH", sync::encode_frame(*push)}, [this](const redisReply& reply) {
    if (reply.type != REDIS_REPLY_INTEGER)
      return fail("the hub refused a push: " + std::string(text_of(reply)));
    engine_.state().sync->edge()->on_push_acked(static_cast<uint64_t>(reply.integer));
    step();
  });
}

void EdgeClient::pull() {
  commands::EngineState& state = engine_.state();
  state.replica.refresh_time();
  const int64_t sent_ms = state.replica.now_ms();
  send({"EDGE.PULL", sync::encode_frame(state.sync->edge()->next_pull(kBatchBytes))},
       [this, sent_ms](const redisReply& reply) {
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
         if (units.to == units.from) {
           link.caught_up_ms = sent_ms;
           state.wake_sync_waiters();
           return idle();
         }
         // Acknowledged once what it brought is on disk here.
         const sync::Ack ack = std::get<sync::Ack>(result);
         const uint64_t generation = generation_;
         state.persistence->when_fsynced([self = shared_from_this(), ack, generation](uint64_t) {
           if (generation != self->generation_) return;
           self->send({"EDGE.ACK", sync::encode_frame(ack)}, [self](const redisReply& r) {
             if (r.type == REDIS_REPLY_ERROR)
               return self->fail("the hub refused an ack: " + std::string(text_of(r)));
             self->step();
           });
         });
       });
}

void EdgeClient::idle() {
  timer_.expires_after(kIdlePoll);
  timer_.async_wait(
      [self = shared_from_this(), generation = generation_](const boost::system::error_code& ec) {
        if (!ec && generation == self->generation_) self->step();
      });
}

}  // namespace eddy::server
