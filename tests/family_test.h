#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "commands/client.h"
#include "commands/config.h"
#include "commands/engine.h"
#include "commands/engine_state.h"
#include "commands/reply.h"
#include "crdt/clock.h"

namespace eddy::testing {

// A parsed reply, as a test inspects it. `raw` keeps the exact bytes for byte-for-byte checks.
struct Reply {
  char type = 0;  // '+', '-', ':', '$', '*', '_', '%', '~', ',', '#', '>'...
  std::string str;
  int64_t integer = 0;
  bool is_null = false;
  std::vector<Reply> elements;
  std::string raw;

  bool is_error() const { return type == '-'; }
  std::vector<std::string> strings() const;
};

// Parses one complete RESP2/RESP3 reply starting at `pos`; advances pos past it.
Reply parse_reply(std::string_view bytes, size_t& pos);

// In-process tests through the real dispatch path, with a manual clock (Dragonfly's
// BaseFamilyTest): Run({"SET", "k", "v"}) returns the parsed reply.
class FamilyTest : public ::testing::Test {
 protected:
  FamilyTest();
  ~FamilyTest() override;

  Reply Run(std::initializer_list<std::string_view> argv);
  Reply Run(const std::vector<std::string>& argv);
  // The exact bytes of the reply.
  std::string RunRaw(std::initializer_list<std::string_view> argv);
  void AdvanceTime(int64_t ms) { clock_.advance_ms(ms); }

  crdt::ManualClock clock_;
  commands::Config config_;
  commands::Engine engine_;
  commands::Client client_;
};

MATCHER_P(IsError, text, "") { return arg.type == '-' && arg.str == text; }
MATCHER_P(IsBulk, text, "") { return arg.type == '$' && !arg.is_null && arg.str == text; }
MATCHER_P(IsSimple, text, "") { return arg.type == '+' && arg.str == text; }
MATCHER_P(IsInt, v, "") { return arg.type == ':' && arg.integer == v; }
MATCHER(IsNull, "") { return arg.is_null; }
MATCHER_P(IsArray, strings, "") {
  return arg.type == '*' && arg.strings() == std::vector<std::string>(strings);
}

}  // namespace eddy::testing
