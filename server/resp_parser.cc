#include "server/resp_parser.h"

#include <cctype>
#include <cstring>

#include "commands/errors.h"

namespace eddy::server {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Redis's string2ll for the lengths in "*N" and "$N": optional '-', digits, no '+', fits int64.
bool parse_length(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  size_t i = 0;
  bool negative = s[0] == '-';
  if (negative && s.size() == 1) return false;
  if (negative) i = 1;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    if (v > (UINT64_MAX - static_cast<uint64_t>(s[i] - '0')) / 10) return false;
    v = v * 10 + static_cast<uint64_t>(s[i] - '0');
  }
  if (v > static_cast<uint64_t>(INT64_MAX)) return false;
  out = negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return true;
}

}  // namespace

bool split_args(std::string_view line, std::vector<std::string>& out) {
  out.clear();
  size_t i = 0;
  const size_t n = line.size();
  while (true) {
    while (i < n && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i >= n) return true;
    std::string current;
    bool in_double = false, in_single = false, done = false;
    while (!done) {
      if (in_double) {
        if (i >= n) return false;
        if (line[i] == '\\' && i + 3 < n && line[i + 1] == 'x' && hex_digit(line[i + 2]) >= 0 &&
            hex_digit(line[i + 3]) >= 0) {
          current.push_back(static_cast<char>(hex_digit(line[i + 2]) * 16 + hex_digit(line[i + 3])));
          i += 3;
        } else if (line[i] == '\\' && i + 1 < n) {
          ++i;
          char c = line[i];
          switch (c) {
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'b': c = '\b'; break;
            case 'a': c = '\a'; break;
            default: break;
          }
          current.push_back(c);
        } else if (line[i] == '"') {
          // A closing quote must be followed by a space or the end.
          if (i + 1 < n && !std::isspace(static_cast<unsigned char>(line[i + 1]))) return false;
          done = true;
        } else {
          current.push_back(line[i]);
        }
      } else if (in_single) {
        if (i >= n) return false;
        if (line[i] == '\\' && i + 1 < n && line[i + 1] == '\'') {
          ++i;
          current.push_back('\'');
        } else if (line[i] == '\'') {
          if (i + 1 < n && !std::isspace(static_cast<unsigned char>(line[i + 1]))) return false;
          done = true;
        } else {
          current.push_back(line[i]);
        }
      } else {
        if (i >= n) {
          done = true;
          break;
        }
        switch (line[i]) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            in_double = true;
            break;
          case '\'':
            in_single = true;
            break;
          default:
            current.push_back(line[i]);
        }
      }
      if (i < n) ++i;
    }
    out.push_back(std::move(current));
  }
}

char* RespParser::prepare(size_t min) {
  compact();
  if (buf_.size() - end_ < min) buf_.resize(end_ + std::max(min, buf_.size() / 2));
  return buf_.data() + end_;
}

void RespParser::append(std::string_view bytes) {
  char* dst = prepare(bytes.size());
  std::memcpy(dst, bytes.data(), bytes.size());
  commit(bytes.size());
}

// Moves the unconsumed bytes to the front once most of the buffer is consumed, so the buffer
// never grows without bound and the copy is amortized.
void RespParser::compact() {
  if (pos_ == 0) return;
  if (pos_ == end_) {
    pos_ = end_ = 0;
    return;
  }
  if (pos_ < buf_.size() / 2) return;
  std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
  end_ -= pos_;
  pos_ = 0;
}

void RespParser::reserve_pending(size_t need) {
  if (buf_.size() - pos_ >= need) return;
  std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
  end_ -= pos_;
  pos_ = 0;
  if (buf_.size() < need) buf_.resize(need);
}

RespParser::Status RespParser::fail(std::string text) {
  error_ = std::move(text);
  return Status::kError;
}

RespParser::Status RespParser::next(std::vector<std::string_view>& argv) {
  argv.clear();
  while (pos_ < end_) {
    Status s = buf_[pos_] == '*' ? next_multibulk(argv) : next_inline(argv);
    if (s != Status::kCommand || !argv.empty()) return s;
    // An empty inline line or "*0": nothing to run, keep parsing.
  }
  return Status::kNeedMore;
}

RespParser::Status RespParser::next_inline(std::vector<std::string_view>& argv) {
  std::string_view data(buf_.data() + pos_, end_ - pos_);
  size_t nl = data.find('\n');
  if (nl == std::string_view::npos) {
    if (data.size() > limits_.max_inline) return fail("Protocol error: too big inline request");
    return Status::kNeedMore;
  }
  std::string_view line = data.substr(0, nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<std::string> args;
  if (!split_args(line, args)) return fail("Protocol error: unbalanced quotes in request");
  pos_ += nl + 1;
  inline_storage_.clear();
  inline_spans_.clear();
  for (const std::string& a : args) {
    inline_spans_.emplace_back(inline_storage_.size(), a.size());
    inline_storage_ += a;
  }
  for (auto [off, len] : inline_spans_) argv.emplace_back(inline_storage_.data() + off, len);
  return Status::kCommand;
}

RespParser::Status RespParser::next_multibulk(std::vector<std::string_view>& argv) {
  size_t p = pos_;
  auto line_at = [&](size_t from, std::string_view& line) {
    const char* start = buf_.data() + from;
    const void* cr = std::memchr(start, '\r', end_ - from);
    if (!cr) return false;
    size_t len = static_cast<const char*>(cr) - start;
    if (from + len + 1 >= end_) return false;  // need the '\n' too
    line = std::string_view(start, len);
    return true;
  };
  std::string_view line;
  if (!line_at(p, line)) {
    if (end_ - p > limits_.max_inline) return fail("Protocol error: too big mbulk count string");
    return Status::kNeedMore;
  }
  int64_t count = 0;
  if (!parse_length(line.substr(1), count) || count > limits_.max_multibulk)
    return fail("Protocol error: invalid multibulk length");
  if (limits_.unauthenticated && count > kUnauthMaxArgs)
    return fail(std::string(commands::errors::kUnauthMultibulk));
  p += line.size() + 2;
  if (count <= 0) {
    pos_ = p;
    return Status::kCommand;
  }
  argv.reserve(static_cast<size_t>(std::min<int64_t>(count, 1024)));
  for (int64_t i = 0; i < count; ++i) {
    if (p >= end_) return argv.clear(), Status::kNeedMore;
    if (!line_at(p, line)) {
      if (end_ - p > limits_.max_inline) return fail("Protocol error: too big bulk count string");
      return argv.clear(), Status::kNeedMore;
    }
    if (line[0] != '$')
      return fail(std::string("Protocol error: expected '$', got '") + line[0] + "'");
    int64_t len = 0;
    if (!parse_length(line.substr(1), len) || len < 0 || len > limits_.max_bulk)
      return fail("Protocol error: invalid bulk length");
    if (limits_.unauthenticated && len > kUnauthMaxBulk)
      return fail(std::string(commands::errors::kUnauthBulk));
    p += line.size() + 2;
    if (static_cast<int64_t>(end_ - p) < len + 2) {
      argv.clear();
      // Make room for the whole argument at once: no quadratic regrowth for big values.
      size_t need = (p - pos_) + static_cast<size_t>(len) + 2;
      reserve_pending(need);
      return Status::kNeedMore;
    }
    argv.emplace_back(buf_.data() + p, static_cast<size_t>(len));
    p += static_cast<size_t>(len) + 2;
  }
  pos_ = p;
  return Status::kCommand;
}

}  // namespace eddy::server
