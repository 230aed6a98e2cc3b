#include "commands/command_table.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>

namespace eddy::commands {
namespace {

struct NameHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Command rows are static, so the name index is shared by every table in the process.
struct Index {
  std::unordered_map<std::string, size_t, NameHash, std::equal_to<>> by_name;
};

Index& index() {
  static Index idx;
  return idx;
}

// Lower-cases a command name into a stack buffer: lookups allocate nothing.
std::string_view lower(std::string_view name, char (&buf)[64]) {
  if (name.size() > sizeof buf) return {};
  for (size_t i = 0; i < name.size(); ++i)
    buf[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
  return std::string_view(buf, name.size());
}

}  // namespace

CommandTable::CommandTable() {
  for (auto family : {string_commands(), key_commands(), list_commands(), hash_commands(), server_commands(),
                      persistence_commands(), edge_commands(), connection_commands(),
                      transaction_commands(), info_commands(), config_commands(),
                      client_commands(), introspection_commands(), acl_commands(),
                      timeseries_commands(), observability_commands()})
    for (const CommandSpec& spec : family) rows_.push_back(&spec);
  std::sort(rows_.begin(), rows_.end(),
            [](const CommandSpec* a, const CommandSpec* b) { return a->name < b->name; });
  Index& idx = index();
  bool first_table = idx.by_name.empty();
  for (size_t i = 0; i < rows_.size(); ++i) {
    std::string_view name = rows_[i]->name;
    slots_[rows_[i]];
    if (first_table) idx.by_name.emplace(std::string(name), i);
  }
  for (const CommandSpec* spec : rows_)
    if (auto bar = spec->name.find('|'); bar != std::string_view::npos)
      if (const CommandSpec* parent = find(spec->name.substr(0, bar))) slots_[parent].container = true;
}

const CommandSpec* CommandTable::find(std::string_view name) const {
  char buf[64];
  std::string_view key = lower(name, buf);
  if (key.empty() || key.find('|') != std::string_view::npos) return nullptr;
  const Index& idx = index();
  auto it = idx.by_name.find(key);
  return it == idx.by_name.end() ? nullptr : rows_[it->second];
}

const CommandSpec* CommandTable::find_subcommand(const CommandSpec& parent,
                                                 std::string_view sub) const {
  if (parent.name.size() + 1 + sub.size() > 64) return nullptr;
  std::string full(parent.name);
  full.push_back('|');
  for (char c : sub) full.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  const Index& idx = index();
  auto it = idx.by_name.find(full);
  return it == idx.by_name.end() ? nullptr : rows_[it->second];
}

bool CommandTable::has_subcommands(const CommandSpec& spec) const {
  return slot(spec).container;
}

std::vector<const CommandSpec*> CommandTable::subcommands(const CommandSpec& parent) const {
  std::vector<const CommandSpec*> out;
  std::string prefix = std::string(parent.name) + "|";
  for (const CommandSpec* spec : rows_)
    if (spec->name.starts_with(prefix)) out.push_back(spec);
  return out;
}

CommandStats& CommandTable::stats(const CommandSpec& spec) { return slot(spec).stats; }

void CommandTable::reset_stats() {
  for (auto& [spec, s] : slots_) s.stats = CommandStats{};
}

CommandTable::Slot& CommandTable::slot(const CommandSpec& spec) const {
  return slots_.find(&spec)->second;
}

}  // namespace eddy::commands
