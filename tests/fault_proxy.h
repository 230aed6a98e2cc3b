#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace eddy::testing {

// A loopback TCP proxy for process-level tests, between an edge and its hub: it listens on a free
// port of 127.0.0.1, forwards every connection to `target_port` there, and can, while the test
// runs, break the link in the ways a network and the layers above it do. It runs on its own
// thread (POSIX sockets and poll); every setter returns once the proxy thread has applied it, so
// that after cut() no byte crosses any more.
//
// What "duplicate" means here. TCP never delivers a byte twice, so a request/reply protocol over
// it sees duplicates only as retransmissions by the layer above: a client that resends a request
// whose reply it never got, or an old request that a server still processes after its sender has
// moved on. The proxy frames RESP (requests are arrays or inline lines, replies any RESP2/RESP3
// value, out-of-band `>` pushes excepted) and offers both kinds:
//
// - duplicate(n): every n-th request of a connection goes to the server twice in a row on that
//   connection. The client gets one reply, the one to the second copy, so it acts on what the
//   server answered to the retransmission ("the reply was lost, the request resent").
// - replay(n): once the server has answered every n-th request of a connection, a fresh
//   connection sends the server that connection's first request (its handshake: EDGE.HELLO, AUTH
//   or HELLO) and then the request again, and drops the replies ("a late copy of an old request
//   arrives on another session"). A handshake gone stale may be refused; that is the server's
//   right, and the request after it is then refused too.
//
// Framing assumes one reply per request, in order (no SUBSCRIBE, no CLIENT REPLY OFF).
// A request or reply is forwarded once it is complete (store and forward), then after the delay.
// Each connection is forwarded to a new connection to the target, so a server restarted on the
// same port is reached again; a side that closes (an edge killed with SIGKILL) has what it sent
// before delivered first, then the close passed on, as TCP would.
class FaultProxy {
 public:
  explicit FaultProxy(int target_port);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  int port() const { return port_; }

  // Closes every connection (both sides, at once, dropping what is held: a broken link) and,
  // until heal(), closes every new one as soon as it is accepted: a client sees its connection
  // end, as if refused. The port stays the proxy's, so that heal() takes effect at once.
  void cut();
  void heal();
  // Holds everything read from now on, both directions, this long before forwarding it (0: no
  // delay). Order is kept.
  void delay(std::chrono::milliseconds ms);
  // Lets each direction of each connection carry at most this many bytes a second, as a slow
  // link does (0: no limit).
  void limit_rate(int bytes_per_second);
  // 0 turns these off; see above.
  void duplicate(int every_n);
  void replay(int every_n);

  struct Stats {
    uint64_t accepted = 0;    // connections forwarded
    uint64_t refused = 0;     // connections closed at once while cut
    uint64_t requests = 0;    // requests forwarded (copies not counted)
    uint64_t duplicated = 0;  // requests sent twice in a row
    uint64_t replayed = 0;    // requests replayed on a fresh connection
    // The same two by command name, upper case ("EDGE.PUSH" → how many).
    std::map<std::string, uint64_t> duplicated_commands;
    std::map<std::string, uint64_t> replayed_commands;
  };
  Stats stats() const;

  // What the proxy thread does, as the setters above leave it.
  struct Settings {
    bool cut = false;
    int delay_ms = 0;
    int duplicate_n = 0;
    int replay_n = 0;
    int rate = 0;  // bytes per second
  };

 private:
  // Changes the settings and waits until the proxy thread has applied them.
  template <class F>
  void change(F&& f);
  void run();

  int port_ = 0;
  int target_port_ = 0;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  mutable std::mutex mu_;
  std::condition_variable applied_cv_;
  Settings wanted_;
  uint64_t requested_ = 0;
  uint64_t applied_ = 0;
  bool stopping_ = false;
  Stats stats_;
  std::thread thread_;
};

}  // namespace eddy::testing
