#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eddy::commands {

class EngineState;

// How near a resource is to its budget: normal below resource-warning-percent of it, warning
// from there, high from resource-high-percent, critical from resource-critical-percent. A level
// is left only once usage is 5 points below its threshold (critical at 95% lasts until usage is
// under 90%). A resource without a budget (0) stays normal.
enum class ResourceLevel { kNormal, kWarning, kHigh, kCritical };
std::string_view level_name(ResourceLevel level);

// Memory (used_memory against maxmemory) and disk (the data directory's journal and snapshot
// against max-disk), measured by cron, which logs every change of level. What the disk levels
// do, in order as usage grows:
//   warning   compact: a snapshot, after which the journal drops the records it covers. On an
//             edge with a hub only those the hub has acknowledged go (Persistence keeps the
//             rest), so unsynced effects are never deleted, and with none newly acknowledged
//             there is nothing to compact; a hub keeps its whole journal (what edges pull), so
//             it does not compact.
//   high      an edge would switch its sync queue to state mode; that is not built (issue 6),
//             so it is logged as the action not taken.
//   critical  write commands flagged denyoom are refused with -OOM until usage falls below it
//             (deletes still run, and the next compaction makes their room).
// Memory levels are only measured and shown: maxmemory-policy's eviction acts on memory.
class ResourceMonitor {
 public:
  struct Usage {
    uint64_t used = 0;
    uint64_t limit = 0;  // 0: no budget
    ResourceLevel level = ResourceLevel::kNormal;
  };

  // Measures both resources, logs changes of level and takes the disk's actions.
  void cron(EngineState& s);

  const Usage& memory() const { return memory_; }
  const Usage& disk() const { return disk_; }
  // Write commands flagged denyoom are refused meanwhile.
  bool disk_full() const { return disk_.level == ResourceLevel::kCritical; }

  // EDGE.RESOURCES's and INFO resources's field/value pairs, as the last cron measured them.
  std::vector<std::pair<std::string, std::string>> status(const EngineState& s) const;

 private:
  void act_on_disk(EngineState& s, ResourceLevel before, int64_t now_ms);
  // Starts a compaction when it can drop something; whether it did.
  bool maybe_compact(EngineState& s, int64_t now_ms);
  void record(std::string action, int64_t now_ms);

  Usage memory_;
  Usage disk_;
  std::string last_action_ = "none";
  int64_t last_action_ms_ = 0;
  // Compaction is worth a fork only when it can drop something: on an edge with a hub, when
  // the hub acknowledged more since the last one; elsewhere when the journal grew by a twentieth
  // of max-disk beyond what the last one left, or, at the critical level, when anything changed
  // (a delete's room appears only in a new snapshot). At most one a second.
  bool compacting_ = false;
  int64_t last_compaction_ms_ = -1'000'000;
  uint64_t journal_floor_ = 0;
  uint64_t acked_at_compaction_ = 0;
};

}  // namespace eddy::commands
