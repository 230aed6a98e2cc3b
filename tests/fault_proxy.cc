#include "tests/fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <deque>
#include <list>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tests/process.h"

namespace eddy::testing {
namespace {

using Clock = std::chrono::steady_clock;

// A direction stops being read while this much of it waits in the proxy (backpressure).
constexpr size_t kMaxBuffered = 8 << 20;
// A replayed request whose replies have not come by then is given up.
constexpr auto kReplayTimeout = std::chrono::seconds(5);
// The longest poll: settings changes wake the thread at once through the pipe anyway.
constexpr int kMaxWaitMs = 100;

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

void no_delay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// A non-blocking connect to a loopback port: the socket (connected or connecting), or -1.
int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  no_delay(fd);
  sockaddr_in addr = loopback(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 || errno == EINPROGRESS)
    return fd;
  close(fd);
  return -1;
}

bool connect_failed(int fd) {
  int error = 0;
  socklen_t len = sizeof error;
  return getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0;
}

// Writes what it can of `out` without blocking; false on a broken connection.
bool write_some(int fd, std::string& out) {
  while (!out.empty()) {
    ssize_t n = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
    if (n > 0) {
      out.erase(0, static_cast<size_t>(n));
      continue;
    }
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
  return true;
}

enum class ReadResult { kData, kNone, kEof, kError };

ReadResult read_some(int fd, std::string& into) {
  char chunk[65536];
  ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
  if (n > 0) {
    into.append(chunk, static_cast<size_t>(n));
    return ReadResult::kData;
  }
  if (n == 0) return ReadResult::kEof;
  return errno == EAGAIN || errno == EWOULDBLOCK ? ReadResult::kNone : ReadResult::kError;
}

// The command name of a request (its first argument, upper case), for the statistics; empty for
// an empty request ("\r\n", "*0\r\n"), which servers answer with nothing.
std::string command_name(const std::string& request) {
  std::string name;
  if (request[0] == '*') {
    const size_t len_at = request.find("\r\n") + 2;  // a whole request: every line ends
    if (len_at < request.size() && request[len_at] == '$') {
      const size_t name_at = request.find("\r\n", len_at) + 2;
      name = request.substr(name_at, std::strtoul(request.c_str() + len_at + 1, nullptr, 10));
    }
  } else {
    name = request.substr(0, request.find_first_of(" \r\n"));
  }
  for (char& ch : name) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return name;
}

// One direction of a forwarded connection: bytes read from one side, cut into whole messages,
// held for the delay, then written to the other side.
struct Flow {
  struct Chunk {
    Clock::time_point due;
    std::string bytes;
  };
  std::string framing;  // read, not yet a whole message
  std::deque<Chunk> held;
  size_t held_bytes = 0;
  std::string out;                // due, being written
  Clock::time_point paced_until;  // under a rate limit, when the next bytes may go
  bool eof = false;               // the reading side closed its writing half
  bool shut = false;              // and that has been passed on

  // What backpressure counts: a message being framed must be read whole, however large.
  size_t buffered() const { return held_bytes + out.size(); }
  // Whether there are bytes to write now (not held back by the rate limit).
  bool writable(Clock::time_point now) const { return !out.empty() && paced_until <= now; }
  bool drained() const { return framing.empty() && held.empty() && out.empty(); }

  void hold(std::string bytes, int delay_ms, Clock::time_point now) {
    if (delay_ms == 0 && held.empty()) {
      out += bytes;
      return;
    }
    held_bytes += bytes.size();
    held.push_back({now + std::chrono::milliseconds(delay_ms), std::move(bytes)});
  }
  void release(Clock::time_point now) {
    while (!held.empty() && held.front().due <= now) {
      out += held.front().bytes;
      held_bytes -= held.front().bytes.size();
      held.pop_front();
    }
  }
};

// A client's connection and the proxy's own connection to the server for it.
struct Link {
  // What to do with the server's next reply.
  struct Expect {
    bool forward = true;
    std::string replay;  // the request to replay once it is answered, if any
  };

  int client = -1;
  int server = -1;
  bool connected = false;
  Flow up;    // client → server
  Flow down;  // server → client
  std::string handshake;
  uint64_t requests = 0;
  std::deque<Expect> expect;
};

// A late copy of a request on a fresh connection of its own, whose replies nobody reads.
struct Replay {
  int fd = -1;
  bool connected = false;
  std::string out;
  std::string in;
  int replies_left = 2;
  Clock::time_point deadline;
};

// The proxy thread's state: the listening socket, the links and the replays in flight.
class Forwarder {
 public:
  Forwarder(int listen_fd, int target_port) : listen_fd_(listen_fd), target_port_(target_port) {}
  ~Forwarder() { close_all(); }

  // One round: waits for sockets or the next held chunk (or the wake pipe), then moves bytes.
  void step(int wake_fd, const FaultProxy::Settings& s, FaultProxy::Stats& stats);
  void close_all();

 private:
  int wait_ms(Clock::time_point now) const;
  // False once the link is over (both halves closed, or an error).
  bool service(Link& l, short client_events, short server_events, const FaultProxy::Settings& s,
               FaultProxy::Stats& stats);
  void frame_requests(Link& l, const FaultProxy::Settings& s, FaultProxy::Stats& stats);
  void frame_replies(Link& l, const FaultProxy::Settings& s, FaultProxy::Stats& stats);
  // Writes what `f` may write now to `fd`; false on a broken connection.
  bool send(int fd, Flow& f, int rate);
  bool service(Replay& r, short events);
  void accept_all(const FaultProxy::Settings& s, FaultProxy::Stats& stats);

  int listen_fd_;
  int target_port_;
  Clock::time_point now_;
  std::list<Link> links_;
  std::list<Replay> replays_;
};

void Forwarder::close_all() {
  for (Link& l : links_) {
    close(l.client);
    close(l.server);
  }
  for (Replay& r : replays_) close(r.fd);
  links_.clear();
  replays_.clear();
}

int Forwarder::wait_ms(Clock::time_point now) const {
  auto next = now + std::chrono::milliseconds(kMaxWaitMs);
  for (const Link& l : links_) {
    for (const Flow* f : {&l.up, &l.down}) {
      if (!f->held.empty()) next = std::min(next, f->held.front().due);
      if (!f->out.empty()) next = std::min(next, std::max(now, f->paced_until));
    }
  }
  for (const Replay& r : replays_) next = std::min(next, r.deadline);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count();
  return static_cast<int>(std::clamp<int64_t>(ms + 1, 0, kMaxWaitMs));
}

// A pollfd asking for `events`, or one poll ignores (so that a hung-up socket nobody reads does
// not wake the loop over and over).
pollfd watch(int fd, short events) { return {events ? fd : -1, events, 0}; }

void Forwarder::step(int wake_fd, const FaultProxy::Settings& s, FaultProxy::Stats& stats) {
  std::vector<pollfd> fds = {watch(listen_fd_, POLLIN), watch(wake_fd, POLLIN)};
  const Clock::time_point now = Clock::now();
  for (const Link& l : links_) {
    short client = 0, server = 0;
    if (!l.up.eof && l.up.buffered() < kMaxBuffered) client |= POLLIN;
    if (l.down.writable(now)) client |= POLLOUT;
    if (!l.connected) {
      server |= POLLOUT;
    } else {
      if (!l.down.eof && l.down.buffered() < kMaxBuffered) server |= POLLIN;
      if (l.up.writable(now)) server |= POLLOUT;
    }
    fds.push_back(watch(l.client, client));
    fds.push_back(watch(l.server, server));
  }
  for (const Replay& r : replays_)
    fds.push_back(watch(r.fd, r.connected ? (r.out.empty() ? POLLIN : POLLIN | POLLOUT) : POLLOUT));
  poll(fds.data(), fds.size(), wait_ms(now));
  now_ = Clock::now();
  if (fds[1].revents) {
    char drain[64];
    while (read(wake_fd, drain, sizeof drain) > 0) {
    }
  }
  // Servicing links may start replays; only those polled this round are serviced.
  const size_t polled_replays = replays_.size();
  size_t i = 2;
  for (auto it = links_.begin(); it != links_.end(); i += 2) {
    if (service(*it, fds[i].revents, fds[i + 1].revents, s, stats)) {
      ++it;
      continue;
    }
    close(it->client);
    close(it->server);
    it = links_.erase(it);
  }
  size_t n = 0;
  for (auto it = replays_.begin(); it != replays_.end() && n < polled_replays; ++i, ++n) {
    if (service(*it, fds[i].revents)) {
      ++it;
      continue;
    }
    close(it->fd);
    it = replays_.erase(it);
  }
  if (fds[0].revents) accept_all(s, stats);
}

bool Forwarder::service(Link& l, short client_events, short server_events,
                        const FaultProxy::Settings& s, FaultProxy::Stats& stats) {
  if (!l.connected && server_events) {
    if (connect_failed(l.server)) return false;  // the client sees its connection end
    l.connected = true;
  }
  if ((client_events & (POLLIN | POLLHUP | POLLERR)) && !l.up.eof) {
    switch (read_some(l.client, l.up.framing)) {
      case ReadResult::kData:
        frame_requests(l, s, stats);
        break;
      case ReadResult::kEof:
        l.up.eof = true;
        if (!l.up.framing.empty()) l.up.hold(std::exchange(l.up.framing, {}), s.delay_ms, now_);
        break;
      case ReadResult::kNone:
        break;
      case ReadResult::kError:
        return false;
    }
  }
  if (l.connected && (server_events & (POLLIN | POLLHUP | POLLERR)) && !l.down.eof) {
    switch (read_some(l.server, l.down.framing)) {
      case ReadResult::kData:
        frame_replies(l, s, stats);
        break;
      case ReadResult::kEof:
        l.down.eof = true;
        if (!l.down.framing.empty())
          l.down.hold(std::exchange(l.down.framing, {}), s.delay_ms, now_);
        break;
      case ReadResult::kNone:
        break;
      case ReadResult::kError:
        return false;
    }
  }
  l.up.release(now_);
  l.down.release(now_);
  if (l.connected && !send(l.server, l.up, s.rate)) return false;
  if (!send(l.client, l.down, s.rate)) return false;
  // A closed half is passed on once everything read before it has been delivered, as TCP would.
  if (l.connected && l.up.eof && l.up.drained() && !l.up.shut) {
    shutdown(l.server, SHUT_WR);
    l.up.shut = true;
  }
  if (l.down.eof && l.down.drained() && !l.down.shut) {
    shutdown(l.client, SHUT_WR);
    l.down.shut = true;
  }
  return !(l.up.shut && l.down.shut);
}

void Forwarder::frame_requests(Link& l, const FaultProxy::Settings& s, FaultProxy::Stats& stats) {
  size_t pos = 0;
  while (auto end = reply_end(l.up.framing, pos)) {
    std::string request = l.up.framing.substr(pos, *end - pos);
    pos = *end;
    if (command_name(request).empty()) {  // the server answers nothing
      l.up.hold(std::move(request), s.delay_ms, now_);
      continue;
    }
    ++l.requests;
    ++stats.requests;
    if (l.requests == 1) l.handshake = request;
    if (s.duplicate_n > 0 && l.requests % s.duplicate_n == 0) {
      l.up.hold(request, s.delay_ms, now_);
      l.expect.push_back({.forward = false});
      ++stats.duplicated;
      ++stats.duplicated_commands[command_name(request)];
    }
    Link::Expect expect;
    if (s.replay_n > 0 && l.requests > 1 && l.requests % s.replay_n == 0) expect.replay = request;
    l.expect.push_back(std::move(expect));
    l.up.hold(std::move(request), s.delay_ms, now_);
  }
  l.up.framing.erase(0, pos);
}

void Forwarder::frame_replies(Link& l, const FaultProxy::Settings& s, FaultProxy::Stats& stats) {
  size_t pos = 0;
  while (auto end = reply_end(l.down.framing, pos)) {
    std::string reply = l.down.framing.substr(pos, *end - pos);
    pos = *end;
    if (reply[0] == '>' || l.expect.empty()) {  // a push, or a reply to no request
      l.down.hold(std::move(reply), s.delay_ms, now_);
      continue;
    }
    Link::Expect expect = std::move(l.expect.front());
    l.expect.pop_front();
    if (!expect.replay.empty()) {
      const int fd = connect_to(target_port_);
      if (fd >= 0) {
        replays_.push_back(
            {.fd = fd, .out = l.handshake + expect.replay, .deadline = now_ + kReplayTimeout});
        ++stats.replayed;
        ++stats.replayed_commands[command_name(expect.replay)];
      }
    }
    if (expect.forward) l.down.hold(std::move(reply), s.delay_ms, now_);
  }
  l.down.framing.erase(0, pos);
}

bool Forwarder::send(int fd, Flow& f, int rate) {
  if (rate <= 0) return write_some(fd, f.out);
  if (!f.writable(now_)) return true;
  // A slice of 20 ms worth of bytes, then a pause as long as they take at the rate.
  const size_t slice = std::min(f.out.size(), std::max<size_t>(1, static_cast<size_t>(rate) / 50));
  const ssize_t n = ::send(fd, f.out.data(), slice, MSG_NOSIGNAL);
  if (n <= 0) return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  f.out.erase(0, static_cast<size_t>(n));
  f.paced_until = now_ + std::chrono::microseconds(n * int64_t{1'000'000} / rate);
  return true;
}

bool Forwarder::service(Replay& r, short events) {
  if (now_ >= r.deadline) return false;
  if (!r.connected) {
    if (!events) return true;
    if (connect_failed(r.fd)) return false;
    r.connected = true;
  }
  if (!write_some(r.fd, r.out)) return false;
  if (events & (POLLIN | POLLHUP | POLLERR)) {
    if (read_some(r.fd, r.in) != ReadResult::kData) return false;
    while (auto end = reply_end(r.in, 0)) {
      r.in.erase(0, *end);
      if (--r.replies_left == 0) return false;
    }
  }
  return true;
}

void Forwarder::accept_all(const FaultProxy::Settings& s, FaultProxy::Stats& stats) {
  for (;;) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    if (s.cut) {
      close(fd);
      ++stats.refused;
      continue;
    }
    const int server = connect_to(target_port_);
    if (server < 0) {  // the server refuses: so does the proxy
      close(fd);
      continue;
    }
    no_delay(fd);
    links_.push_back({.client = fd, .server = server});
    ++stats.accepted;
  }
}

}  // namespace

FaultProxy::FaultProxy(int target_port) : target_port_(target_port) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr = loopback(0);
  socklen_t len = sizeof addr;
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listen_fd_, 128) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      pipe2(wake_, O_NONBLOCK | O_CLOEXEC) != 0)
    throw std::runtime_error("the fault proxy cannot listen");
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { run(); });
}

FaultProxy::~FaultProxy() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  char c = 1;
  (void)!write(wake_[1], &c, 1);
  thread_.join();
  close(listen_fd_);
  close(wake_[0]);
  close(wake_[1]);
}

template <class F>
void FaultProxy::change(F&& f) {
  std::unique_lock lock(mu_);
  f(wanted_);
  const uint64_t ticket = ++requested_;
  char c = 1;
  (void)!write(wake_[1], &c, 1);
  applied_cv_.wait(lock, [&] { return applied_ >= ticket; });
}

void FaultProxy::cut() {
  change([](Settings& s) { s.cut = true; });
}

void FaultProxy::heal() {
  change([](Settings& s) { s.cut = false; });
}

void FaultProxy::delay(std::chrono::milliseconds ms) {
  change([ms](Settings& s) { s.delay_ms = static_cast<int>(ms.count()); });
}

void FaultProxy::limit_rate(int bytes_per_second) {
  change([bytes_per_second](Settings& s) { s.rate = bytes_per_second; });
}

void FaultProxy::duplicate(int every_n) {
  change([every_n](Settings& s) { s.duplicate_n = every_n; });
}

void FaultProxy::replay(int every_n) {
  change([every_n](Settings& s) { s.replay_n = every_n; });
}

FaultProxy::Stats FaultProxy::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

// The proxy thread: takes the settings, applies a cut by closing everything, then forwards for
// one round, until the destructor says stop.
void FaultProxy::run() {
  Forwarder forwarder(listen_fd_, target_port_);
  for (;;) {
    Settings settings;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      settings = wanted_;
      if (settings.cut) forwarder.close_all();
      applied_ = requested_;
    }
    applied_cv_.notify_all();
    Stats round;
    forwarder.step(wake_[0], settings, round);
    std::lock_guard lock(mu_);
    stats_.accepted += round.accepted;
    stats_.refused += round.refused;
    stats_.requests += round.requests;
    stats_.duplicated += round.duplicated;
    stats_.replayed += round.replayed;
    for (const auto& [name, n] : round.duplicated_commands) stats_.duplicated_commands[name] += n;
    for (const auto& [name, n] : round.replayed_commands) stats_.replayed_commands[name] += n;
  }
}

}  // namespace eddy::testing
