#include "tests/family_test.h"

#include <charconv>

namespace eddy::testing {

std::vector<std::string> Reply::strings() const {
  std::vector<std::string> out;
  for (const Reply& e : elements) out.push_back(e.is_null ? "(nil)" : e.str);
  return out;
}

Reply parse_reply(std::string_view bytes, size_t& pos) {
  Reply r;
  size_t start = pos;
  r.type = bytes[pos];
  size_t eol = bytes.find("\r\n", pos);
  std::string_view line = bytes.substr(pos + 1, eol - pos - 1);
  pos = eol + 2;
  auto number = [&] {
    int64_t v = 0;
    std::from_chars(line.data(), line.data() + line.size(), v);
    return v;
  };
  switch (r.type) {
    case '+':
    case '-':
    case ',':
    case '(':
      r.str = std::string(line);
      break;
    case ':':
      r.integer = number();
      break;
    case '#':
      r.integer = line == "t";
      break;
    case '_':
      r.is_null = true;
      break;
    case '$':
    case '=':
    case '!': {
      int64_t n = number();
      if (n < 0) {
        r.is_null = true;
        break;
      }
      r.str = std::string(bytes.substr(pos, static_cast<size_t>(n)));
      pos += static_cast<size_t>(n) + 2;
      break;
    }
    case '*':
    case '~':
    case '>':
    case '%': {
      int64_t n = number();
      if (n < 0) {
        r.is_null = true;
        break;
      }
      if (r.type == '%') n *= 2;
      for (int64_t i = 0; i < n; ++i) r.elements.push_back(parse_reply(bytes, pos));
      break;
    }
    default:
      ADD_FAILURE() << "unexpected reply type " << r.type;
  }
  r.raw = std::string(bytes.substr(start, pos - start));
  return r;
}

FamilyTest::FamilyTest() : engine_(config_, clock_) { engine_.connect(client_); }

FamilyTest::~FamilyTest() { engine_.disconnect(client_); }

std::string FamilyTest::RunRaw(std::initializer_list<std::string_view> argv) {
  std::vector<std::string_view> args(argv);
  std::string out;
  commands::ReplyBuilder reply(out, client_.resp);
  engine_.execute(client_, args, reply);
  return out;
}

Reply FamilyTest::Run(std::initializer_list<std::string_view> argv) {
  std::string out = RunRaw(argv);
  size_t pos = 0;
  return parse_reply(out, pos);
}

Reply FamilyTest::Run(const std::vector<std::string>& argv) {
  std::vector<std::string_view> args(argv.begin(), argv.end());
  std::string out;
  commands::ReplyBuilder reply(out, client_.resp);
  engine_.execute(client_, args, reply);
  size_t pos = 0;
  return parse_reply(out, pos);
}

}  // namespace eddy::testing
