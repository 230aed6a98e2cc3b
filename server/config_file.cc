#include "server/config_file.h"

#include <sys/stat.h>

#include <climits>
#include <fstream>
#include <sstream>

#include "server/presets.h"
#include "server/resp_parser.h"

namespace eddy::server {
namespace {

constexpr int kMaxIncludeDepth = 16;

// Only regular files: an include of /dev/zero or a FIFO must not hang or exhaust the start.
std::optional<std::string> read_file(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string unknown_preset(const std::string& name) {
  std::string known;
  for (const Preset& p : presets()) known += (known.empty() ? "" : ", ") + std::string(p.name);
  return "Unknown preset '" + name + "' (the presets are " + known + ")";
}

}  // namespace

std::string ConfigError::format() const {
  return "\n*** FATAL CONFIG FILE ERROR (eddy 0.1.0) ***\nReading the configuration file, at line " +
         std::to_string(line) + "\n>>> '" + text + "'\n" + reason + "\n";
}

std::optional<ConfigError> apply_config_text(std::string_view text, commands::Config& config,
                                             int include_depth) {
  int line_no = 0;
  int saves_seen = 0;
  std::vector<std::string> args;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    std::string_view raw = text.substr(start, nl == std::string_view::npos ? text.npos : nl - start);
    start = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    std::string_view line = raw;
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
      line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    auto fail = [&](std::string reason) {
      return ConfigError{line_no, std::string(line), std::move(reason)};
    };
    if (!split_args(line, args)) return fail("Unbalanced quotes in configuration line");
    if (args.empty()) continue;
    if (args.size() < 2) return fail("Bad directive or wrong number of arguments");
    std::string name = args[0];
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "include") {
      if (args.size() != 2) return fail("Bad directive or wrong number of arguments");
      if (include_depth >= kMaxIncludeDepth) return fail("Too many nested includes");
      auto included = read_file(args[1]);
      if (!included) return fail("Can't open the include file " + args[1]);
      if (auto err = apply_config_text(*included, config, include_depth + 1)) return err;
      continue;
    }
    // `preset NAME` applies an embedded preset's lines here, as an include would.
    if (name == "preset") {
      if (args.size() != 2) return fail("Bad directive or wrong number of arguments");
      const Preset* preset = find_preset(args[1]);
      if (!preset) return fail(unknown_preset(args[1]));
      if (auto err = apply_config_text(preset->text, config, include_depth + 1)) {
        err->text = "preset " + args[1] + ", line " + std::to_string(err->line) + ": " + err->text;
        err->line = line_no;
        return err;
      }
      continue;
    }
    if (name == "user") {
      if (auto err = config.add_user({args.begin() + 1, args.end()})) return fail(*err);
      continue;
    }
    std::string value = args[1];
    for (size_t i = 2; i < args.size(); ++i) value += " " + args[i];
    const commands::Config::Directive* d = config.find(name);
    if (!d) return fail("Bad directive or wrong number of arguments");
    using Kind = commands::Config::Kind;
    if (args.size() > 2 && d->kind != Kind::kList && d->kind != Kind::kString &&
        d->kind != Kind::kSaveRules && d->kind != Kind::kBufferLimits)
      return fail("wrong number of arguments");
    // As in Redis, a file's `save` lines add up ("save 900 1" then "save 300 10"); the first
    // one replaces the defaults. (client-output-buffer-limit lines merge by class by themselves.)
    if (d->kind == Kind::kSaveRules && !value.empty()) {
      if (saves_seen > 0) value = d->value + " " + value;
      ++saves_seen;
    }
    if (auto err = config.set(name, value, false)) return fail(*err);
  }
  return std::nullopt;
}

std::optional<ConfigError> apply_command_line(const std::vector<std::string>& all_args,
                                              commands::Config& config) {
  // `--preset NAME`, wherever it stands, applies first: then the file, then the other options.
  std::vector<std::string> args;
  for (size_t j = 0; j < all_args.size(); ++j) {
    if (all_args[j] != "--preset") {
      args.push_back(all_args[j]);
      continue;
    }
    if (j + 1 == all_args.size())
      return ConfigError{0, "--preset", "Bad directive or wrong number of arguments"};
    const std::string& name = all_args[++j];
    if (!find_preset(name)) return ConfigError{0, "--preset " + name, unknown_preset(name)};
    if (auto err = apply_config_text("preset " + name, config)) return err;
  }
  std::string text;
  size_t i = 0;
  if (i < args.size() && args[i].rfind("--", 0) != 0) {
    auto file = read_file(args[i]);
    if (!file) return ConfigError{0, args[i], "Fatal error, can't open config file '" + args[i] + "'"};
    config.config_file = args[i];
    text = *file;
    ++i;
  }
  // Each "--name" starts a line; the words up to the next "--name" are its arguments, quoted
  // so that values with spaces survive the line splitting.
  std::string options;
  for (; i < args.size(); ++i) {
    if (args[i].rfind("--", 0) == 0 && args[i].size() > 2) {
      if (!options.empty()) options += "\n";
      options += args[i].substr(2);
      continue;
    }
    std::string quoted = "\"";
    for (char c : args[i]) {
      if (c == '"' || c == '\\') quoted.push_back('\\');
      if (c == '\n') {
        quoted += "\\n";
        continue;
      }
      quoted.push_back(c);
    }
    options += " " + quoted + "\"";
  }
  if (!text.empty() && text.back() != '\n') text += "\n";
  return apply_config_text(text + options, config);
}

}  // namespace eddy::server
