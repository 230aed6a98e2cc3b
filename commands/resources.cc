#include "commands/resources.h"

#include <sys/stat.h>

#include <algorithm>

#include "commands/engine_state.h"
#include "compact/log.h"
#include "compact/memory.h"

namespace eddy::commands {
namespace {

using compact::log;
using compact::LogLevel;

constexpr int64_t kMinCompactionGapMs = 1000;

// A level is left only once usage falls this many points below its threshold, so that usage
// hovering at a threshold (each write, each compaction) does not turn refusals on and off.
constexpr int64_t kHysteresisPercent = 5;

// The level of `used` against `limit` with every threshold lowered by `lower` points, exact at
// the thresholds (no floating point).
ResourceLevel level_at(uint64_t used, uint64_t limit, const Config& config, int64_t lower) {
  if (limit == 0) return ResourceLevel::kNormal;
  const auto at = [&](std::string_view directive) {
    const int64_t percent = std::max<int64_t>(0, config.integer(directive) - lower);
    return static_cast<unsigned __int128>(used) * 100 >=
           static_cast<unsigned __int128>(percent) * limit;
  };
  if (at("resource-critical-percent")) return ResourceLevel::kCritical;
  if (at("resource-high-percent")) return ResourceLevel::kHigh;
  if (at("resource-warning-percent")) return ResourceLevel::kWarning;
  return ResourceLevel::kNormal;
}

// Up as soon as a threshold is reached, down only past the hysteresis.
ResourceLevel next_level(const ResourceMonitor::Usage& usage, const Config& config) {
  const ResourceLevel reached = level_at(usage.used, usage.limit, config, 0);
  if (reached >= usage.level) return reached;
  return std::min(usage.level, level_at(usage.used, usage.limit, config, kHysteresisPercent));
}

uint64_t file_bytes(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// The journal's segments and the snapshot (cron does not measure while a new one is written).
uint64_t disk_used(const EngineState& s) {
  const sync::Persistence* p = s.persistence.get();
  if (!p) return 0;
  return (p->journal() ? p->journal()->disk_bytes() : 0) + file_bytes(p->options().dbfilename);
}

uint64_t budget(const Config& config, std::string_view directive) {
  return static_cast<uint64_t>(std::max<int64_t>(0, config.integer(directive)));
}

// Sets the usage's level, logging a change: "Disk usage is at the warning level now (was
// normal): 734003 bytes of max-disk 1048576 (70%)".
void update(ResourceMonitor::Usage& usage, ResourceLevel level, std::string_view what,
            std::string_view directive) {
  if (level == usage.level) return;
  const ResourceLevel before = usage.level;
  usage.level = level;
  const uint64_t percent =
      usage.limit
          ? static_cast<uint64_t>(static_cast<unsigned __int128>(usage.used) * 100 / usage.limit)
          : 0;
  log(level > before && level >= ResourceLevel::kHigh ? LogLevel::kWarning : LogLevel::kNotice,
      std::string(what) + " usage is at the " + std::string(level_name(level)) +
          " level now (was " + std::string(level_name(before)) +
          "): " + std::to_string(usage.used) + " bytes of " + std::string(directive) + " " +
          std::to_string(usage.limit) + " (" + std::to_string(percent) + "%)");
}

}  // namespace

std::string_view level_name(ResourceLevel level) {
  switch (level) {
    case ResourceLevel::kNormal:
      return "normal";
    case ResourceLevel::kWarning:
      return "warning";
    case ResourceLevel::kHigh:
      return "high";
    case ResourceLevel::kCritical:
      return "critical";
  }
  return "normal";
}

void ResourceMonitor::cron(EngineState& s) {
  const int64_t now = s.clock.now_ms();
  memory_.used = compact::used_memory();
  memory_.limit = budget(s.config, "maxmemory");
  update(memory_, next_level(memory_, s.config), "Memory", "maxmemory");

  const sync::Persistence* p = s.persistence.get();
  // While a snapshot is written the disk holds it beside the journal it is about to let go:
  // the level waits for the settled usage.
  if (p && p->child() != sync::Persistence::ChildKind::kNone) return;
  if (compacting_) {
    // What the compaction left: the records it could not drop, and those written meanwhile.
    compacting_ = false;
    journal_floor_ = p && p->journal() ? p->journal()->disk_bytes() : 0;
  }
  disk_.used = disk_used(s);
  disk_.limit = budget(s.config, "max-disk");
  const ResourceLevel before = disk_.level;
  update(disk_, next_level(disk_, s.config), "Disk", "max-disk");
  act_on_disk(s, before, now);
}

void ResourceMonitor::act_on_disk(EngineState& s, ResourceLevel before, int64_t now_ms) {
  const ResourceLevel level = disk_.level;
  const bool edge = s.sync && s.sync->edge();
  if (level >= ResourceLevel::kWarning && !maybe_compact(s, now_ms) && level > before && edge &&
      s.persistence->stats().sync_acked_position == acked_at_compaction_) {
    // Said once per level reached, so that the log tells why the disk keeps filling.
    log(LogLevel::kNotice,
        "Nothing to compact: the journal keeps the effects the hub has not acknowledged");
  }
  if (level >= ResourceLevel::kHigh && before < ResourceLevel::kHigh && edge) {
    log(LogLevel::kWarning,
        "Disk usage is high: switching the sync queue to state mode is not built yet (issue 6), "
        "action not taken");
    record("state-mode-not-built", now_ms);
  }
  if (level == ResourceLevel::kCritical && before != ResourceLevel::kCritical) {
    log(LogLevel::kWarning, "Disk usage is critical: refusing write commands until it is " +
                                std::to_string(kHysteresisPercent) +
                                " points under resource-critical-percent of max-disk");
    record("refuse-writes", now_ms);
  } else if (level != ResourceLevel::kCritical && before == ResourceLevel::kCritical) {
    log(LogLevel::kNotice, "Disk usage is below the critical level: accepting writes again");
    record("accept-writes", now_ms);
  }
}

bool ResourceMonitor::maybe_compact(EngineState& s, int64_t now_ms) {
  using Kind = sync::Persistence::ChildKind;
  sync::Persistence* p = s.persistence.get();
  // A hub keeps its whole journal: what edges pull from.
  if (!p || !p->journal() || (s.sync && s.sync->hub())) return false;
  if (p->child() != Kind::kNone || p->scheduled() != Kind::kNone) return false;
  if (now_ms - last_compaction_ms_ < kMinCompactionGapMs) return false;
  bool worth_it;
  const uint64_t acked = p->stats().sync_acked_position;
  if (p->options().keep_unacked) {
    // An edge drops only what the hub acknowledged: a snapshot before the hub acknowledged more
    // would add a file and drop nothing.
    worth_it = acked > acked_at_compaction_;
  } else {
    const uint64_t step = std::max<uint64_t>(disk_.limit / 20, 4096);
    worth_it = p->journal()->disk_bytes() >= journal_floor_ + step ||
               (disk_.level == ResourceLevel::kCritical && p->stats().changes_since_save > 0);
  }
  if (!worth_it) return false;
  last_compaction_ms_ = now_ms;
  log(LogLevel::kNotice, "Disk usage is at the " + std::string(level_name(disk_.level)) +
                             " level: compacting the journal with a snapshot");
  if (p->start_child(s.replica, Kind::kRewrite, now_ms)) return false;  // fork failed, logged
  compacting_ = true;
  acked_at_compaction_ = acked;
  record("compact", now_ms);
  return true;
}

void ResourceMonitor::record(std::string action, int64_t now_ms) {
  last_action_ = std::move(action);
  last_action_ms_ = now_ms;
}

std::vector<std::pair<std::string, std::string>> ResourceMonitor::status(
    const EngineState& s) const {
  using std::to_string;
  return {{"memory_used", to_string(memory_.used)},
          {"memory_limit", to_string(memory_.limit)},
          {"memory_level", std::string(level_name(memory_.level))},
          {"disk_used", to_string(disk_.used)},
          {"disk_limit", to_string(disk_.limit)},
          {"disk_level", std::string(level_name(disk_.level))},
          {"connections", to_string(s.clients.size())},
          {"maxclients", to_string(s.config.integer("maxclients"))},
          {"last_action", last_action_},
          {"last_action_ms", to_string(last_action_ms_)}};
}

}  // namespace eddy::commands
