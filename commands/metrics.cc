// INFO's figures in Prometheus's text exposition format (version 0.0.4), so that a hub plugs
// into existing monitoring. The figures are read back from INFO's own text, so the two can never
// disagree.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "commands/engine_state.h"
#include "commands/info.h"

namespace eddy::commands {
namespace {

// One INFO field and the metric it becomes. `scale` turns INFO's unit into Prometheus's base
// unit (microseconds into seconds).
struct FieldMetric {
  std::string_view section;
  std::string_view field;
  std::string_view name;
  std::string_view type;
  std::string_view help;
  double scale = 1;
};

constexpr FieldMetric kFields[] = {
    {"server", "uptime_in_seconds", "eddy_uptime_seconds", "gauge", "Seconds since eddy started."},
    {"clients", "connected_clients", "eddy_connected_clients", "gauge",
     "Client connections open."},
    {"clients", "blocked_clients", "eddy_blocked_clients", "gauge",
     "Clients waiting in a blocking command."},
    {"clients", "maxclients", "eddy_max_clients", "gauge", "The maxclients setting."},
    {"memory", "used_memory", "eddy_used_memory_bytes", "gauge",
     "Bytes allocated by eddy (INFO used_memory)."},
    {"memory", "used_memory_rss", "eddy_used_memory_rss_bytes", "gauge",
     "Resident set size of the process."},
    {"memory", "maxmemory", "eddy_maxmemory_bytes", "gauge", "The maxmemory setting (0: none)."},
    {"memory", "mem_fragmentation_ratio", "eddy_mem_fragmentation_ratio", "gauge",
     "used_memory_rss divided by used_memory."},
    {"persistence", "loading", "eddy_loading", "gauge", "1 while the data set is loading."},
    {"persistence", "rdb_changes_since_last_save", "eddy_rdb_changes_since_last_save", "gauge",
     "Writes since the last snapshot."},
    {"persistence", "rdb_bgsave_in_progress", "eddy_rdb_bgsave_in_progress", "gauge",
     "1 while a background snapshot is written."},
    {"persistence", "rdb_last_save_time", "eddy_rdb_last_save_timestamp_seconds", "gauge",
     "Unix time of the last successful snapshot."},
    {"persistence", "aof_rewrite_in_progress", "eddy_aof_rewrite_in_progress", "gauge",
     "1 while a snapshot compacting the journal is written."},
    {"persistence", "aof_current_size", "eddy_aof_current_size_bytes", "gauge",
     "Bytes of journal on disk."},
    {"persistence", "journal_fsyncs", "eddy_journal_fsyncs_total", "counter",
     "fsyncs of the journal."},
    {"stats", "total_connections_received", "eddy_connections_received_total", "counter",
     "Connections accepted."},
    {"stats", "total_commands_processed", "eddy_commands_processed_total", "counter",
     "Commands executed."},
    {"stats", "instantaneous_ops_per_sec", "eddy_instantaneous_ops_per_sec", "gauge",
     "Commands per second over the last 1.6 seconds."},
    {"stats", "total_net_input_bytes", "eddy_net_input_bytes_total", "counter",
     "Bytes read from clients."},
    {"stats", "total_net_output_bytes", "eddy_net_output_bytes_total", "counter",
     "Bytes written to clients."},
    {"stats", "rejected_connections", "eddy_rejected_connections_total", "counter",
     "Connections refused because of maxclients."},
    {"stats", "expired_keys", "eddy_expired_keys_total", "counter", "Keys removed on expiry."},
    {"stats", "evicted_keys", "eddy_evicted_keys_total", "counter",
     "Keys removed by the maxmemory policy."},
    {"stats", "keyspace_hits", "eddy_keyspace_hits_total", "counter",
     "Reads that found their key."},
    {"stats", "keyspace_misses", "eddy_keyspace_misses_total", "counter",
     "Reads that did not find their key."},
    {"stats", "latest_fork_usec", "eddy_latest_fork_seconds", "gauge",
     "How long the last fork paused commands.", 1e-6},
    {"stats", "total_forks", "eddy_forks_total", "counter", "Forks for background snapshots."},
    {"stats", "total_error_replies", "eddy_error_replies_total", "counter",
     "Error replies sent."},
    {"cpu", "used_cpu_sys", "eddy_cpu_sys_seconds_total", "counter",
     "System CPU time used by eddy."},
    {"cpu", "used_cpu_user", "eddy_cpu_user_seconds_total", "counter",
     "User CPU time used by eddy."},
};

// Sections whose every numeric field is exported as a gauge named eddy_<section>_<field>.
constexpr std::string_view kGenericSections[] = {"sync", "resources"};

bool numeric(std::string_view v) {
  if (v.empty() || v.size() > 64) return false;
  std::string s(v);
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() &&
         s.find_first_not_of("0123456789+-.eE") == std::string::npos;
}

std::string scaled(std::string_view v, double scale) {
  if (scale == 1) return std::string(v);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f", std::strtod(std::string(v).c_str(), nullptr) * scale);
  return buf;
}

std::string label_value(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

// The exposition: families in the order they first appear, each with its HELP and TYPE lines.
class Exposition {
 public:
  void add(std::string_view name, std::string_view type, std::string_view help,
           std::string_view labels, std::string_view value) {
    auto [it, added] = index_.emplace(std::string(name), families_.size());
    if (added) families_.push_back({std::string(name), std::string(type), std::string(help), {}});
    std::string& samples = families_[it->second].samples;
    samples.append(name);
    if (!labels.empty()) samples.append("{").append(labels).append("}");
    samples.append(" ").append(value).append("\n");
  }
  std::string text() const {
    std::string out;
    for (const Family& f : families_)
      out += "# HELP " + f.name + " " + f.help + "\n# TYPE " + f.name + " " + f.type + "\n" +
             f.samples;
    return out;
  }

 private:
  struct Family {
    std::string name, type, help, samples;
  };
  std::vector<Family> families_;
  std::unordered_map<std::string, size_t> index_;
};

// "calls=3,usec=12,..." → the value of `key`, or "".
std::string_view sub_field(std::string_view value, std::string_view key) {
  while (!value.empty()) {
    std::string_view item = value.substr(0, value.find(','));
    value.remove_prefix(std::min(value.size(), item.size() + 1));
    if (item.size() > key.size() && item.starts_with(key) && item[key.size()] == '=')
      return item.substr(key.size() + 1);
  }
  return {};
}

void commandstat(Exposition& e, std::string_view command, std::string_view value) {
  const std::string labels = "cmd=\"" + label_value(command) + "\"";
  e.add("eddy_commands_total", "counter", "Calls per command.", labels, sub_field(value, "calls"));
  e.add("eddy_commands_duration_seconds_total", "counter", "Time spent per command.", labels,
        scaled(sub_field(value, "usec"), 1e-6));
  e.add("eddy_commands_rejected_calls_total", "counter",
        "Calls refused before running, per command.", labels,
        sub_field(value, "rejected_calls"));
  e.add("eddy_commands_failed_calls_total", "counter", "Calls that failed, per command.", labels,
        sub_field(value, "failed_calls"));
}

void field_metric(Exposition& e, std::string_view section, std::string_view name,
                  std::string_view value) {
  if (section == "commandstats" && name.starts_with("cmdstat_"))
    return commandstat(e, name.substr(8), value);
  if (section == "errorstats" && name.starts_with("errorstat_"))
    return e.add("eddy_errors_total", "counter", "Error replies per error code.",
                 "err=\"" + label_value(name.substr(10)) + "\"", sub_field(value, "count"));
  if (section == "keyspace") {
    const std::string labels = "db=\"" + label_value(name) + "\"";
    e.add("eddy_db_keys", "gauge", "Keys per database.", labels, sub_field(value, "keys"));
    e.add("eddy_db_keys_expiring", "gauge", "Keys with an expiry per database.", labels,
          sub_field(value, "expires"));
    return;
  }
  for (const FieldMetric& m : kFields)
    if (m.section == section && m.field == name && numeric(value))
      return e.add(m.name, m.type, m.help, "", scaled(value, m.scale));
  // Identities (replica_id) are numbers but not measures.
  for (std::string_view generic : kGenericSections)
    if (generic == section && numeric(value) && !name.ends_with("_id"))
      return e.add("eddy_" + std::string(section) + "_" + std::string(name), "gauge",
                   "INFO " + std::string(section) + " field " + std::string(name) + ".", "",
                   value);
}

}  // namespace

std::string prometheus_metrics(EngineState& s) {
  const std::string info = info_everything(s);
  Exposition e;
  std::string section;
  std::string_view rest = info;
  std::string version, role;
  while (!rest.empty()) {
    size_t eol = rest.find("\r\n");
    std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 2);
    if (line.starts_with("# ")) {
      section = std::string(line.substr(2));
      for (char& c : section) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, colon), value = line.substr(colon + 1);
    if (section == "server" && name == "eddy_version") version = value;
    if (section == "server" && name == "role") role = value;
    field_metric(e, section, name, value);
  }
  e.add("eddy_info", "gauge", "Constant 1, labelled with the version and the role.",
        "version=\"" + label_value(version) + "\",role=\"" + label_value(role) + "\"", "1");
  return e.text();
}

}  // namespace eddy::commands
