// INFO: one function per section, Redis's field names.
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <set>

#include "commands/arguments.h"
#include "commands/command_table.h"
#include "commands/engine_state.h"
#include "commands/info.h"
#include "compact/memory.h"

namespace eddy::commands {
namespace {

std::string human_bytes(double n) {
  static constexpr const char* kUnits[] = {"B", "K", "M", "G", "T"};
  int unit = 0;
  while (n >= 1024 && unit < 4) {
    n /= 1024;
    ++unit;
  }
  char buf[32];
  if (unit == 0)
    std::snprintf(buf, sizeof buf, "%.0fB", n);
  else
    std::snprintf(buf, sizeof buf, "%.2f%s", n, kUnits[unit]);
  return buf;
}

struct Section {
  std::string_view name;
  bool in_default;
  void (*write)(EngineState&, std::string&);
};

void field(std::string& out, std::string_view name, const std::string& value) {
  out.append(name).append(":").append(value).append("\r\n");
}
void field(std::string& out, std::string_view name, int64_t value) {
  field(out, name, std::to_string(value));
}

void server_section(EngineState& s, std::string& out) {
  utsname u;
  uname(&u);
  int64_t uptime = (s.clock.now_us() - s.stats.start_time_us) / 1000000;
  char exe[4096] = {0};
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  field(out, "redis_version", "7.0.15");
  field(out, "eddy_version", "0.1.0");
  field(out, "redis_mode", "standalone");
  field(out, "os", std::string(u.sysname) + " " + u.release + " " + u.machine);
  field(out, "arch_bits", static_cast<int64_t>(sizeof(void*) * 8));
  // std::chrono::steady_clock reads clock_gettime(CLOCK_MONOTONIC).
  field(out, "monotonic_clock", "POSIX clock_gettime");
  field(out, "multiplexing_api", "epoll");
  field(out, "gcc_version", std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
                                std::to_string(__GNUC_PATCHLEVEL__));
  field(out, "process_id", static_cast<int64_t>(getpid()));
  field(out, "process_supervised", "no");
  field(out, "run_id", std::to_string(s.replica.replica_id()));
  field(out, "tcp_port", s.config.integer("port"));
  field(out, "server_time_usec", s.clock.now_us());
  field(out, "uptime_in_seconds", uptime);
  field(out, "uptime_in_days", uptime / 86400);
  field(out, "hz", s.config.integer("hz"));
  field(out, "configured_hz", s.config.integer("hz"));
  // Redis's LRU clock: seconds, modulo 2^24.
  field(out, "lru_clock", (s.clock.now_ms() / 1000) & ((1 << 24) - 1));
  field(out, "executable", n > 0 ? std::string(exe, static_cast<size_t>(n)) : "");
  field(out, "config_file", s.config.config_file);
  field(out, "io_threads_active", 0);
  field(out, "role", s.config.text("role"));
}

void clients_section(EngineState& s, std::string& out) {
  field(out, "connected_clients", static_cast<int64_t>(s.clients.size()));
  field(out, "cluster_connections", 0);
  field(out, "maxclients", s.config.integer("maxclients"));
  int64_t with_timeout = 0;
  for (const auto& [id, entry] : s.blocked) with_timeout += entry.deadline_ms != 0;
  field(out, "blocked_clients", static_cast<int64_t>(s.blocked.size()));
  field(out, "tracking_clients", 0);
  field(out, "clients_in_timeout_table", with_timeout);
}

void memory_section(EngineState& s, std::string& out) {
  size_t used = compact::used_memory(), rss = compact::rss_bytes();
  int64_t maxmemory = s.config.integer("maxmemory");
  field(out, "used_memory", static_cast<int64_t>(used));
  field(out, "used_memory_human", human_bytes(static_cast<double>(used)));
  field(out, "used_memory_rss", static_cast<int64_t>(rss));
  field(out, "used_memory_rss_human", human_bytes(static_cast<double>(rss)));
  field(out, "maxmemory", maxmemory);
  field(out, "maxmemory_human", human_bytes(static_cast<double>(maxmemory)));
  field(out, "maxmemory_policy", s.config.text("maxmemory-policy"));
  // What eviction leaves out of used_memory: the journal's write buffer, a hub's log.
  field(out, "mem_not_counted_for_evict", static_cast<int64_t>(s.evictor.not_counted_memory()));
  char ratio[32];
  std::snprintf(ratio, sizeof ratio, "%.2f", used ? static_cast<double>(rss) / used : 0.0);
  field(out, "mem_fragmentation_ratio", ratio);
  field(out, "mem_allocator", compact::allocator_name());
}

// Redis's fields where they apply (eddy's "AOF" is its journal, a "rewrite" a snapshot that
// compacts it), then the journal's own: its size, seq, and what the hub has not yet received.
void persistence_section(EngineState& s, std::string& out) {
  using Kind = sync::Persistence::ChildKind;
  const sync::Persistence* p = s.persistence.get();
  const sync::Persistence::Stats none;
  const auto& st = p ? p->stats() : none;
  const int64_t now_s = s.clock.now_ms() / 1000;
  const Kind child = p ? p->child() : Kind::kNone;
  const int64_t child_s = p && child != Kind::kNone ? now_s - p->child_started_ms() / 1000 : -1;
  const sync::Journal* journal = p ? p->journal() : nullptr;
  field(out, "loading", st.loading ? 1 : 0);
  field(out, "async_loading", 0);
  field(out, "rdb_changes_since_last_save", static_cast<int64_t>(st.changes_since_save));
  field(out, "rdb_bgsave_in_progress", child == Kind::kSave ? 1 : 0);
  field(out, "rdb_last_save_time", p ? st.last_save_s : s.stats.start_time_us / 1000000);
  field(out, "rdb_last_bgsave_status", st.last_bgsave_ok ? "ok" : "err");
  field(out, "rdb_last_bgsave_time_sec", st.last_bgsave_seconds);
  field(out, "rdb_current_bgsave_time_sec", child == Kind::kSave ? child_s : -1);
  field(out, "rdb_saves", static_cast<int64_t>(st.saves));
  field(out, "rdb_last_load_keys_expired", 0);
  field(out, "rdb_last_load_keys_loaded", static_cast<int64_t>(st.loaded_keys));
  field(out, "aof_enabled", journal ? 1 : 0);
  field(out, "aof_rewrite_in_progress", child == Kind::kRewrite ? 1 : 0);
  field(out, "aof_rewrite_scheduled", p && p->scheduled() == Kind::kRewrite ? 1 : 0);
  field(out, "aof_last_rewrite_time_sec", st.last_rewrite_seconds);
  field(out, "aof_current_rewrite_time_sec", child == Kind::kRewrite ? child_s : -1);
  field(out, "aof_last_bgrewrite_status", st.last_rewrite_ok ? "ok" : "err");
  field(out, "aof_rewrites", static_cast<int64_t>(st.rewrites));
  field(out, "aof_rewrites_consecutive_failures", static_cast<int64_t>(st.rewrite_failures));
  field(out, "aof_last_write_status", journal && journal->last_error() ? "err" : "ok");
  if (journal) {
    field(out, "aof_current_size", static_cast<int64_t>(journal->disk_bytes()));
    field(out, "aof_base_size", static_cast<int64_t>(st.journal_base_bytes));
    field(out, "aof_pending_rewrite", p->scheduled() == Kind::kRewrite ? 1 : 0);
    field(out, "aof_buffer_length", static_cast<int64_t>(journal->appended() - journal->written()));
    field(out, "aof_pending_bio_fsync", 0);
    field(out, "aof_delayed_fsync", 0);
    field(out, "journal_fsyncs", static_cast<int64_t>(journal->fsyncs()));
  }
  field(out, "journal_seq", static_cast<int64_t>(s.replica.seq()));
  field(out, "journal_replayed_records", static_cast<int64_t>(st.replay.applied));
  field(out, "journal_dropped_bytes", static_cast<int64_t>(st.replay.dropped_bytes));
  field(out, "journal_dropped_records", static_cast<int64_t>(st.replay.dropped_records));
  // How far a snapshot may drop the journal of an edge with a hub.
  field(out, "sync_acked_position", static_cast<int64_t>(st.sync_acked_position));
}

// Edge/hub sync: EDGE.STATUS's fields.
void sync_section(EngineState& s, std::string& out) {
  for (const auto& [name, value] : s.sync_status()) field(out, name, value);
}

// Memory and disk budgets: EDGE.RESOURCES's fields.
void resources_section(EngineState& s, std::string& out) {
  for (const auto& [name, value] : s.resources.status(s)) field(out, name, value);
}

// Redis 7.0's fields in its order, those of features eddy does not have (pub/sub, client
// tracking, active defrag, I/O threads, MIGRATE, DUMP) as the zeros they are. Redis's
// replication fields are left out: eddy's sync is not Redis replication (# Sync).
void stats_section(EngineState& s, std::string& out) {
  auto kbps = [](int64_t bytes_per_second) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(bytes_per_second) / 1024);
    return std::string(buf);
  };
  auto count = [&](std::string_view name, uint64_t v) {
    field(out, name, static_cast<int64_t>(v));
  };
  const sync::Persistence::Stats none;
  const sync::Persistence::Stats& p = s.persistence ? s.persistence->stats() : none;
  count("total_connections_received", s.net.connections_received);
  count("total_commands_processed", s.stats.total_commands_processed);
  field(out, "instantaneous_ops_per_sec", s.obs.ops.per_second());
  count("total_net_input_bytes", s.net.net_input_bytes);
  count("total_net_output_bytes", s.net.net_output_bytes);
  field(out, "instantaneous_input_kbps", kbps(s.obs.net_input.per_second()));
  field(out, "instantaneous_output_kbps", kbps(s.obs.net_output.per_second()));
  count("rejected_connections", s.net.rejected_connections);
  count("expired_keys", s.replica.expired_keys());
  count("expire_cycle_cpu_milliseconds", s.obs.expire_cycle_us / 1000);
  count("evicted_keys", s.stats.evicted_keys);
  field(out, "evicted_clients", 0);
  count("keyspace_hits", s.stats.keyspace_hits);
  count("keyspace_misses", s.stats.keyspace_misses);
  for (const char* zero : {"pubsub_channels", "pubsub_patterns", "pubsubshard_channels"})
    field(out, zero, 0);
  field(out, "latest_fork_usec", p.latest_fork_us);
  count("total_forks", p.forks);
  for (const char* zero :
       {"migrate_cached_sockets", "slave_expires_tracked_keys", "active_defrag_hits",
        "active_defrag_misses", "active_defrag_key_hits", "active_defrag_key_misses",
        "total_active_defrag_time", "current_active_defrag_time", "tracking_total_keys",
        "tracking_total_items", "tracking_total_prefixes", "unexpected_error_replies"})
    field(out, zero, 0);
  count("total_error_replies", s.stats.total_error_replies);
  field(out, "dump_payload_sanitizations", 0);
  count("total_reads_processed", s.net.reads_processed);
  count("total_writes_processed", s.net.writes_processed);
  field(out, "io_threaded_reads_processed", 0);
  field(out, "io_threaded_writes_processed", 0);
}

void replication_section(EngineState&, std::string& out) {
  field(out, "role", "master");
  field(out, "connected_slaves", 0);
  field(out, "master_repl_offset", 0);
}

void cpu_section(EngineState&, std::string& out) {
  rusage self;
  getrusage(RUSAGE_SELF, &self);
  char buf[32];
  auto seconds = [&](const timeval& tv) {
    std::snprintf(buf, sizeof buf, "%ld.%06ld", static_cast<long>(tv.tv_sec),
                  static_cast<long>(tv.tv_usec));
    return std::string(buf);
  };
  field(out, "used_cpu_sys", seconds(self.ru_stime));
  field(out, "used_cpu_user", seconds(self.ru_utime));
}

void commandstats_section(EngineState& s, std::string& out) {
  for (const CommandSpec* spec : s.table.all()) {
    const CommandStats& cs = s.table.stats(*spec);
    if (cs.calls == 0 && cs.rejected_calls == 0 && cs.failed_calls == 0) continue;
    std::string name(spec->name);
    char per_call[32];
    std::snprintf(per_call, sizeof per_call, "%.2f",
                  cs.calls ? static_cast<double>(cs.usec) / cs.calls : 0.0);
    field(out, "cmdstat_" + name,
          "calls=" + std::to_string(cs.calls) + ",usec=" + std::to_string(cs.usec) +
              ",usec_per_call=" + per_call +
              ",rejected_calls=" + std::to_string(cs.rejected_calls) +
              ",failed_calls=" + std::to_string(cs.failed_calls));
  }
}

void errorstats_section(EngineState& s, std::string& out) {
  for (const auto& [code, count] : s.stats.error_codes)
    field(out, "errorstat_" + code, "count=" + std::to_string(count));
}

void keyspace_section(EngineState& s, std::string& out) {
  for (int db = 0; db < s.replica.databases(); ++db) {
    size_t keys = s.replica.size(db);
    if (keys == 0) continue;
    field(out, "db" + std::to_string(db),
          "keys=" + std::to_string(keys) +
              ",expires=" + std::to_string(s.replica.expires_size(db)) + ",avg_ttl=0");
  }
}

constexpr Section kSections[] = {
    {"server", true, server_section},
    {"clients", true, clients_section},
    {"memory", true, memory_section},
    {"persistence", true, persistence_section},
    {"stats", true, stats_section},
    {"replication", true, replication_section},
    {"cpu", true, cpu_section},
    {"commandstats", false, commandstats_section},
    {"errorstats", true, errorstats_section},
    {"keyspace", true, keyspace_section},
    {"sync", true, sync_section},
    {"resources", true, resources_section},
};

// The sections INFO's arguments name, in Redis's order.
std::string info_text(EngineState& s, const std::function<bool(const Section&)>& include) {
  std::string out;
  for (const Section& section : kSections) {
    if (!include(section)) continue;
    if (!out.empty()) out += "\r\n";
    std::string title(section.name);
    title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
    out += "# " + title + "\r\n";
    section.write(s, out);
  }
  return out;
}

// INFO [section [section ...]]
void info(Context& ctx) {
  std::set<std::string> wanted;
  bool all = false, everything = false, defaults = ctx.args.size() == 1;
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    std::string name(ctx.args[i]);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "all")
      all = true;
    else if (name == "everything")
      everything = true;
    else if (name == "default")
      defaults = true;
    else
      wanted.insert(name);
  }
  ctx.reply.verbatim(info_text(ctx.state, [&](const Section& section) {
    return everything || all || wanted.count(std::string(section.name)) ||
           (defaults && section.in_default);
  }));
}

const CommandSpec kRows[] = {
    {"info", -1, kLoading | kStale, 0, 0, 0, "server",
     "Returns information and statistics about the server.", "1.0.0", "O(1)", info,
     "@slow @dangerous", "[section=string...]"},
};

}  // namespace

std::span<const CommandSpec> info_commands() { return kRows; }

std::string info_everything(EngineState& s) {
  return info_text(s, [](const Section&) { return true; });
}

}  // namespace eddy::commands
