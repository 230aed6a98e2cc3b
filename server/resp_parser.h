#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::server {

// Incremental parser of client requests, with Redis 7.0's rules and error texts: multibulk
// (`*N\r\n$len\r\n...`) and inline commands (a line split like redis-cli's arguments, quotes and
// escapes included). Bytes are appended as they arrive; each next() call yields one complete
// command whose arguments view the parser's buffer until the next append()/next().
class RespParser {
 public:
  enum class Status { kCommand, kNeedMore, kError };

  struct Limits {
    size_t max_inline = 64 * 1024;
    int64_t max_bulk = 512LL * 1024 * 1024;        // proto-max-bulk-len
    int64_t max_multibulk = 1024LL * 1024 * 1024;  // Redis: INT_MAX; 1G keeps argv bounded
    // Before AUTH, Redis accepts at most 10 arguments of at most 16 KiB each: an
    // unauthenticated peer cannot make the server buffer much.
    bool unauthenticated = false;
  };
  static constexpr int64_t kUnauthMaxArgs = 10;
  static constexpr int64_t kUnauthMaxBulk = 16 * 1024;

  RespParser() = default;
  explicit RespParser(Limits limits) : limits_(limits) {}

  // Where to write the next bytes: at least `min` bytes of room. commit() says how many came.
  char* prepare(size_t min);
  void commit(size_t n) { end_ += n; }
  void append(std::string_view bytes);

  // One command into argv (cleared first), or kNeedMore, or kError with error() set: the text
  // of the protocol error, without "ERR ".
  Status next(std::vector<std::string_view>& argv);
  const std::string& error() const { return error_; }
  // Bytes received and not yet consumed as commands (client-query-buffer-limit, CLIENT LIST).
  size_t pending() const { return end_ - pos_; }
  void set_limits(Limits limits) { limits_ = limits; }

 private:
  Status next_inline(std::vector<std::string_view>& argv);
  Status next_multibulk(std::vector<std::string_view>& argv);
  Status fail(std::string text);
  void compact();
  // Room for `need` bytes from the start of the unconsumed data (a big bulk argument).
  void reserve_pending(size_t need);

  Limits limits_;
  std::string buf_;
  size_t pos_ = 0;  // start of unconsumed bytes
  size_t end_ = 0;  // end of received bytes
  std::string inline_storage_;  // unescaped inline arguments
  std::vector<std::pair<size_t, size_t>> inline_spans_;
  std::string error_;
};

// Splits a line into arguments as Redis's sdssplitargs does: spaces separate, "double quotes"
// take \n \r \t \b \a \\ \" and \xHH escapes, 'single quotes' take \'. False on unbalanced quotes
// or a closing quote not followed by a space.
bool split_args(std::string_view line, std::vector<std::string>& out);

}  // namespace eddy::server
