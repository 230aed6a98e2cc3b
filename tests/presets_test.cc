// The presets of presets/*.conf over real processes: eddy started with each `--preset NAME`
// answers and CONFIG GET gives back every directive of the preset's file (read here from the
// source tree, while the server uses the copy compiled into it); the preset, then the config
// file, then the command line, each overriding the one before; an unknown preset stops the start.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/process.h"

namespace eddy::testing {
namespace {

using Argv = std::vector<std::string>;

const std::vector<std::string> kPresets = {"minimal", "iot", "mobile", "standard", "full"};

// The directive/value lines of a preset file, in order.
std::vector<std::pair<std::string, std::string>> preset_lines(const std::string& name) {
  std::ifstream in(std::string(EDDY_SOURCE_DIR) + "/presets/" + name + ".conf");
  std::vector<std::pair<std::string, std::string>> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string directive, value;
    words >> directive >> value;
    lines.emplace_back(directive, value);
  }
  return lines;
}

// The value as CONFIG GET prints it: memory units in bytes ("8mb" is 8388608), the rest as is.
std::string canonical(const std::string& value) {
  static const std::pair<const char*, long long> kUnits[] = {
      {"gb", 1LL << 30}, {"mb", 1LL << 20}, {"kb", 1LL << 10}};
  for (const auto& [suffix, multiplier] : kUnits) {
    const std::string s = suffix;
    if (value.size() > s.size() && value.compare(value.size() - s.size(), s.size(), s) == 0)
      return std::to_string(std::stoll(value.substr(0, value.size() - s.size())) * multiplier);
  }
  return value;
}

// A RESP2 array of bulk strings (CONFIG GET's pairs) as name → value.
std::map<std::string, std::string> pairs(const std::string& reply) {
  std::map<std::string, std::string> out;
  std::vector<std::string> bulks;
  size_t pos = reply.find("\r\n") + 2;  // past *N
  while (pos < reply.size() && reply[pos] == '$') {
    const size_t eol = reply.find("\r\n", pos);
    const size_t len = std::stoul(reply.substr(pos + 1, eol - pos - 1));
    bulks.push_back(reply.substr(eol + 2, len));
    pos = eol + 2 + len + 2;
  }
  for (size_t i = 0; i + 1 < bulks.size(); i += 2) out[bulks[i]] = bulks[i + 1];
  return out;
}

std::map<std::string, std::string> config_get(int port, const std::string& pattern) {
  RawClient c(port);
  auto reply = c.command({"CONFIG", "GET", pattern});
  return reply ? pairs(*reply) : std::map<std::string, std::string>{};
}

TEST(Presets, EachStartsAnswersAndHoldsItsDirectives) {
  for (const std::string& name : kPresets) {
    SCOPED_TRACE("preset " + name);
    const auto lines = preset_lines(name);
    ASSERT_GE(lines.size(), 10u) << "presets/" << name << ".conf has too few directives";
    TempDir dir;
    Process eddy = Process::start_eddy_in(dir.path(), {"--preset", name});
    RawClient c(eddy.port());
    EXPECT_EQ(c.command({"PING"}).value_or(""), "+PONG\r\n");
    EXPECT_EQ(c.command({"SET", "k", "v"}).value_or(""), "+OK\r\n");
    EXPECT_EQ(c.command({"GET", "k"}).value_or(""), "$1\r\nv\r\n");
    for (const auto& [directive, value] : lines) {
      const auto got = config_get(eddy.port(), directive);
      ASSERT_EQ(got.count(directive), 1u) << directive;
      EXPECT_EQ(got.at(directive), canonical(value)) << directive;
    }
  }
}

TEST(Presets, StandardIsTheDefaults) {
  TempDir plain_dir, standard_dir;
  Process plain = Process::start_eddy_in(plain_dir.path());
  Process standard = Process::start_eddy_in(standard_dir.path(), {"--preset", "standard"});
  auto a = config_get(plain.port(), "*");
  auto b = config_get(standard.port(), "*");
  ASSERT_GT(a.size(), 40u);
  for (const char* per_process : {"port", "dir"}) {
    a.erase(per_process);
    b.erase(per_process);
  }
  EXPECT_EQ(a, b);
}

TEST(Presets, ConfigFileThenCommandLineOverrideThePreset) {
  TempDir dir;
  const std::string file = dir.path() + "/eddy.conf";
  std::ofstream(file) << "# overrides two of minimal's directives\nmaxmemory 12mb\nhz 7\n";
  // --preset stands after the file on purpose: it applies first wherever it stands.
  Process eddy = Process::start_eddy_in(dir.path(), {file, "--preset", "minimal", "--hz", "9"});
  const auto got = config_get(eddy.port(), "*");
  EXPECT_EQ(got.at("maxmemory"), "12582912");  // the file over the preset's 8mb
  EXPECT_EQ(got.at("hz"), "9");                // the command line over the file and the preset
  EXPECT_EQ(got.at("max-disk"), "33554432");   // the preset's, untouched
  EXPECT_EQ(got.at("compact-compression"), "yes");

  TempDir plain;
  Process overridden =
      Process::start_eddy_in(plain.path(), {"--preset", "iot", "--appendfsync", "always"});
  EXPECT_EQ(config_get(overridden.port(), "appendfsync").at("appendfsync"), "always");
  EXPECT_EQ(config_get(overridden.port(), "maxmemory").at("maxmemory"), "67108864");
}

TEST(Presets, PresetLineInAConfigFileAppliesWhereItStands) {
  TempDir dir;
  const std::string file = dir.path() + "/eddy.conf";
  std::ofstream(file) << "maxclients 5\npreset mobile\nhz 3\n";
  Process eddy = Process::start_eddy_in(dir.path(), {file});
  const auto got = config_get(eddy.port(), "*");
  EXPECT_EQ(got.at("maxclients"), "16");  // the preset's line comes after the file's
  EXPECT_EQ(got.at("hz"), "3");
  EXPECT_EQ(got.at("appendfsync"), "no");
}

TEST(Presets, PackagedConfigLoadsAndLeavesThePresetsChoices) {
  TempDir dir;
  const std::string file = std::string(EDDY_SOURCE_DIR) + "/packaging/eddy.conf";
  // The test's --port, --dir and --bind follow the file and override its own.
  Process eddy = Process::start_eddy_in(dir.path(), {file, "--preset", "iot"});
  const auto got = config_get(eddy.port(), "*");
  EXPECT_EQ(got.at("maxmemory"), "67108864");
  EXPECT_EQ(got.at("max-disk"), "536870912");
  EXPECT_EQ(got.at("compact-compression"), "yes");
  EXPECT_EQ(got.at("resource-critical-percent"), "95");
  EXPECT_EQ(got.at("role"), "edge");
}

TEST(Presets, UnknownPresetStopsTheStart) {
  TempDir dir;
  auto exit = Process::run_eddy_in(dir.path(), {"--preset", "tiny"});
  ASSERT_TRUE(WIFEXITED(exit.status)) << exit.log;
  EXPECT_EQ(WEXITSTATUS(exit.status), 1);
  EXPECT_NE(exit.log.find("*** FATAL CONFIG FILE ERROR (eddy 0.1.0) ***\n"
                          "Reading the configuration file, at line 0\n"
                          ">>> '--preset tiny'\n"
                          "Unknown preset 'tiny' (the presets are minimal, iot, mobile, "
                          "standard, full)\n"),
            std::string::npos)
      << exit.log;

  const std::string file = dir.path() + "/eddy.conf";
  std::ofstream(file) << "port 0\npreset huge\n";
  exit = Process::run_eddy_in(dir.path(), {file});
  EXPECT_NE(exit.log.find("at line 2\n>>> 'preset huge'\nUnknown preset 'huge'"), std::string::npos)
      << exit.log;

  exit = Process::run_eddy_in(dir.path(), {"--preset"});
  EXPECT_NE(exit.log.find(">>> '--preset'\nBad directive or wrong number of arguments"),
            std::string::npos)
      << exit.log;
}

}  // namespace
}  // namespace eddy::testing
