#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace eddy::commands {

// Writes RESP2 or RESP3 replies into a connection's output buffer. The vocabulary is small on
// purpose: every command composes its reply from these calls, and the RESP version decides the
// wire form (a RESP3 map is a RESP2 flat array of twice the length, a RESP3 null is $-1 or *-1).
class ReplyBuilder {
 public:
  ReplyBuilder(std::string& out, int resp) : out_(out), resp_(resp) {}

  int resp() const { return resp_; }
  std::string& buffer() { return out_; }

  void ok() { out_.append("+OK\r\n"); }
  void simple(std::string_view s);
  // `text` is an error as Redis stores it: with a leading '-' and its own code ("-WRONGTYPE ..."),
  // or without one, in which case "-ERR " is prepended.
  void error(std::string_view text);
  void integer(int64_t v);
  void bulk(std::string_view s);
  void null();        // RESP2 $-1, RESP3 _
  void null_array();  // RESP2 *-1, RESP3 _
  void array(size_t n);
  void map(size_t pairs);  // RESP3 %n, RESP2 *2n
  void set(size_t n);      // RESP3 ~n, RESP2 *n
  void push(size_t n);     // RESP3 >n, RESP2 *n
  void boolean(bool b);    // RESP3 #t/#f, RESP2 :1/:0
  // A double as Redis formats it: RESP3 ",<%.17g>", RESP2 a bulk string of the same text.
  void double_value(double d);
  // RESP3 verbatim string (=len\r\ntxt:...), a bulk string in RESP2.
  void verbatim(std::string_view s, std::string_view format = "txt");

  // An array of status lines, the form of every HELP subcommand's reply.
  void help(std::span<const std::string_view> lines);

  // Deferred array length, for replies whose size is known only at the end (SCAN-like loops).
  size_t begin_deferred_array();
  void end_deferred_array(size_t token, size_t n);

  // The first word of the last error written ("ERR", "WRONGTYPE", ...), for INFO errorstats.
  std::string_view last_error_code() const { return last_error_code_; }
  size_t errors_written() const { return errors_written_; }

 private:
  void length_line(char type, int64_t n);

  std::string& out_;
  int resp_;
  std::string last_error_code_;
  size_t errors_written_ = 0;
};

}  // namespace eddy::commands
