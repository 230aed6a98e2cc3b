#include "tests/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace eddy::testing {

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

namespace {

std::string make_temp_dir() {
  char tmpl[] = "/tmp/eddy-test-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("cannot create a temporary directory");
  return tmpl;
}

std::string log_path(const std::string& dir) { return dir + "/server.log"; }

size_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<size_t>(st.st_size) : 0;
}

std::string read_from(const std::string& path, size_t offset) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(static_cast<std::streamoff>(offset));
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Starts `args` with stdout and stderr appended to `log`.
pid_t launch(std::vector<std::string> args, const std::string& log) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0].c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + args[0]);
  return pid;
}

// Waits up to `timeout_ms` for `pid` to exit; its status, or nothing if it still runs.
std::optional<int> wait_exit(pid_t pid, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return status;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// The test's own arguments after the port and directory; a config file among them (an
// argument first that is not an option) goes first, where the server reads it.
void append_args(std::vector<std::string>& args, std::vector<std::string> extra) {
  if (!extra.empty() && extra[0].rfind("--", 0) != 0) {
    args.insert(args.begin() + 1, extra[0]);
    extra.erase(extra.begin());
  }
  args.insert(args.end(), extra.begin(), extra.end());
}

}  // namespace

Process Process::start_eddy(std::vector<std::string> extra_args) {
  return spawn(EDDY_BINARY, std::move(extra_args), true, make_temp_dir(), true, 0);
}

Process Process::start_redis(std::vector<std::string> extra_args) {
  return spawn("/usr/bin/redis-server", std::move(extra_args), false, make_temp_dir(), true, 0);
}

Process Process::start_eddy_in(const std::string& dir, std::vector<std::string> extra_args,
                               int port) {
  return spawn(EDDY_BINARY, std::move(extra_args), true, dir, false, port);
}

Process::Exit Process::run_eddy_in(const std::string& dir, std::vector<std::string> extra_args,
                                   int timeout_ms) {
  std::vector<std::string> args = {
      EDDY_BINARY, "--port", std::to_string(free_port()), "--dir", dir, "--bind", "127.0.0.1"};
  append_args(args, std::move(extra_args));
  const size_t log_start = file_size(log_path(dir));
  pid_t pid = launch(std::move(args), log_path(dir));
  Exit exit;
  if (auto status = wait_exit(pid, timeout_ms)) {
    exit.status = *status;
  } else {
    ::kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  exit.log = read_from(log_path(dir), log_start);
  return exit;
}

Process Process::spawn(const std::string& binary, std::vector<std::string> extra, bool eddy,
                       std::string dir, bool owns_dir, int port) {
  Process p;
  p.dir_ = std::move(dir);
  p.owns_dir_ = owns_dir;
  for (int attempt = 0; attempt < 5; ++attempt) {
    p.port_ = port != 0 ? port : free_port();
    std::vector<std::string> args = {binary, "--port", std::to_string(p.port_), "--dir", p.dir_,
                                     "--bind", "127.0.0.1"};
    if (!eddy) {
      for (const char* a : {"--save", "", "--appendonly", "no", "--daemonize", "no"})
        args.emplace_back(a);
    }
    append_args(args, extra);
    p.log_start_ = file_size(log_path(p.dir_));
    p.pid_ = launch(std::move(args), log_path(p.dir_));
    for (int i = 0; i < 400; ++i) {
      int status = 0;
      if (waitpid(p.pid_, &status, WNOHANG) == p.pid_) {
        p.pid_ = -1;
        break;  // exited: the port was taken, try another
      }
      RawClient c(p.port_);
      if (c.connected()) {
        c.send("PING\r\n");
        auto reply = c.read_reply(1000);
        // A server that requires a password answers NOAUTH: it is up all the same.
        if (reply && (*reply == "+PONG\r\n" || reply->rfind("-NOAUTH", 0) == 0)) return p;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    if (p.pid_ > 0) p.stop();
  }
  throw std::runtime_error("server did not start: " + binary + "\n" + p.log());
}

Process::Process(Process&& other) noexcept
    : pid_(other.pid_),
      port_(other.port_),
      dir_(std::move(other.dir_)),
      owns_dir_(other.owns_dir_),
      log_start_(other.log_start_) {
  other.pid_ = -1;
  other.dir_.clear();
}

Process::~Process() {
  if (pid_ > 0) stop();
  if (owns_dir_ && !dir_.empty()) std::system(("rm -rf '" + dir_ + "'").c_str());
}

int Process::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 500; ++i) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

int Process::kill() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return status;
}

int Process::wait(int timeout_ms) {
  if (pid_ <= 0) return -1;
  auto status = wait_exit(pid_, timeout_ms);
  if (!status) return -1;
  pid_ = -1;
  return *status;
}

std::string Process::log() const { return read_from(log_path(dir_), log_start_); }

TempDir::TempDir() : path_(make_temp_dir()) {}

TempDir::~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }

RawClient::RawClient(int port) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd_);
    fd_ = -1;
    return;
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

RawClient::RawClient(RawClient&& other) noexcept
    : fd_(other.fd_), buffer_(std::move(other.buffer_)) {
  other.fd_ = -1;
}

RawClient::~RawClient() {
  if (fd_ >= 0) close(fd_);
}

void RawClient::send(std::string_view bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

std::optional<std::string> RawClient::read_reply(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    if (auto end = reply_end(buffer_, 0)) {
      std::string reply = buffer_.substr(0, *end);
      buffer_.erase(0, *end);
      return reply;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) return std::nullopt;
    pollfd pfd{fd_, POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(left)) <= 0) return std::nullopt;
    char chunk[65536];
    ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return std::nullopt;
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

bool RawClient::read_until_closed(std::string& out, int timeout_ms) {
  out = std::move(buffer_);
  buffer_.clear();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{fd_, POLLIN, 0};
    if (poll(&pfd, 1, 100) <= 0) continue;
    char chunk[65536];
    ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return true;
    out.append(chunk, static_cast<size_t>(n));
  }
  return false;
}

std::optional<std::string> RawClient::command(const std::vector<std::string>& argv) {
  send(encode_command(argv));
  return read_reply();
}

std::string encode_command(const std::vector<std::string>& argv) {
  std::string out = "*" + std::to_string(argv.size()) + "\r\n";
  for (const std::string& a : argv) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

std::optional<size_t> reply_end(std::string_view b, size_t pos) {
  if (pos >= b.size()) return std::nullopt;
  size_t eol = b.find("\r\n", pos);
  if (eol == std::string_view::npos) return std::nullopt;
  char type = b[pos];
  std::string_view line = b.substr(pos + 1, eol - pos - 1);
  size_t next = eol + 2;
  auto number = [&] { return std::strtoll(std::string(line).c_str(), nullptr, 10); };
  switch (type) {
    case '$':
    case '=':
    case '!': {
      long long n = number();
      if (n < 0) return next;
      if (b.size() < next + static_cast<size_t>(n) + 2) return std::nullopt;
      return next + static_cast<size_t>(n) + 2;
    }
    case '*':
    case '~':
    case '>':
    case '%': {
      long long n = number();
      if (n < 0) return next;
      if (type == '%') n *= 2;
      for (long long i = 0; i < n; ++i) {
        auto end = reply_end(b, next);
        if (!end) return std::nullopt;
        next = *end;
      }
      return next;
    }
    default:
      return next;
  }
}

std::string escape(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c == '\r') out += "\\r";
    else if (c == '\n') out += "\\n";
    else if (c < 32 || c >= 127) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else out.push_back(static_cast<char>(c));
  }
  return out;
}

}  // namespace eddy::testing
