#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::testing {

// A server process for tests: eddy or Debian's redis-server on a free loopback port in a temp
// directory, started with posix_spawn, ready once it answers PING, stopped by PID.
class Process {
 public:
  static Process start_eddy(std::vector<std::string> extra_args = {});
  static Process start_redis(std::vector<std::string> extra_args = {});
  // eddy with its data in `dir`, which the caller owns: it outlives the process, so that a test
  // can restart eddy on the same data. Port 0 picks a free one. A config file may come first in
  // `extra_args`: it goes first on the command line.
  static Process start_eddy_in(const std::string& dir, std::vector<std::string> extra_args = {},
                               int port = 0);
  // A start that must fail: runs eddy on `dir` until it exits by itself, killing it if it still
  // runs after `timeout_ms`.
  struct Exit {
    int status = -1;  // as waitpid gives it; -1 if it had to be killed
    std::string log;  // what it wrote to stdout and stderr
  };
  static Exit run_eddy_in(const std::string& dir, std::vector<std::string> extra_args,
                          int timeout_ms = 10000);
  Process(Process&& other) noexcept;
  Process& operator=(Process&&) = delete;
  ~Process();

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }
  // SIGTERM, then SIGKILL after 5 s; returns the exit status as waitpid gives it.
  int stop();
  // SIGKILL at once, as a crash or a power cut would stop it; returns the status.
  int kill();
  // Waits for the process to exit by itself (after SHUTDOWN); its status, or -1 on timeout.
  int wait(int timeout_ms = 10000);
  bool running() const { return pid_ > 0; }
  // What this process has written to stdout and stderr (<dir>/server.log from its start on).
  std::string log() const;

 private:
  Process() = default;
  static Process spawn(const std::string& binary, std::vector<std::string> args, bool eddy,
                       std::string dir, bool owns_dir, int port);

  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
  bool owns_dir_ = true;
  size_t log_start_ = 0;
};

// A temporary directory under /tmp, removed with its contents when the object goes.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

int free_port();

// A blocking client that sends raw bytes and reads raw replies, so tests compare bytes.
class RawClient {
 public:
  explicit RawClient(int port);
  RawClient(RawClient&& other) noexcept;
  ~RawClient();
  bool connected() const { return fd_ >= 0; }

  void send(std::string_view bytes);
  // One complete reply (RESP2 or RESP3), or nothing on timeout or a closed connection.
  std::optional<std::string> read_reply(int timeout_ms = 5000);
  // Everything until the peer closes (or timeout); true if the peer closed.
  bool read_until_closed(std::string& out, int timeout_ms = 5000);
  std::optional<std::string> command(const std::vector<std::string>& argv);

 private:
  int fd_ = -1;
  std::string buffer_;
};

std::string encode_command(const std::vector<std::string>& argv);
// The end offset of the complete reply starting at `pos`, or nothing if more bytes are needed.
std::optional<size_t> reply_end(std::string_view bytes, size_t pos);
// Printable form of bytes for failure messages.
std::string escape(std::string_view bytes);

}  // namespace eddy::testing
