#include "commands/observability.h"

#include <algorithm>
#include <cstdio>

namespace eddy::commands {
namespace {

constexpr std::string_view kRedacted = "(redacted)";

bool is_redacted(std::span<const size_t> redacted, size_t index) {
  return std::find(redacted.begin(), redacted.end(), index) != redacted.end();
}

// Redis's sdscatrepr: a quoted string, with escapes for quotes, backslashes, the usual control
// characters, and \xNN for any other byte that is not printable ASCII.
void append_repr(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '\\':
      case '"':
        out.push_back('\\');
        out.push_back(c);
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\a':
        out.append("\\a");
        break;
      case '\b':
        out.append("\\b");
        break;
      default:
        if (c >= ' ' && c <= '~') {
          out.push_back(c);
        } else {
          char hex[5];
          std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(c));
          out.append(hex);
        }
    }
  }
  out.push_back('"');
}

}  // namespace

void Slowlog::push_if_needed(std::span<const std::string_view> argv,
                             std::span<const size_t> redacted, const Client& client, int64_t now_s,
                             int64_t duration_us) {
  if (slower_than_us < 0 || max_len == 0) return;
  if (duration_us >= slower_than_us) {
    SlowlogEntry e;
    e.id = next_id_++;
    e.time_s = now_s;
    e.duration_us = duration_us;
    const size_t argc = std::min(argv.size(), kMaxArgc);
    e.argv.reserve(argc);
    for (size_t i = 0; i < argc; ++i) {
      if (argc != argv.size() && i == argc - 1) {
        e.argv.push_back("... (" + std::to_string(argv.size() - argc + 1) + " more arguments)");
      } else if (is_redacted(redacted, i)) {
        e.argv.emplace_back(kRedacted);
      } else if (argv[i].size() > kMaxString) {
        e.argv.push_back(std::string(argv[i].substr(0, kMaxString)) + "... (" +
                         std::to_string(argv[i].size() - kMaxString) + " more bytes)");
      } else {
        e.argv.emplace_back(argv[i]);
      }
    }
    e.addr = client.addr;
    e.name = client.name;
    entries_.push_front(std::move(e));
  }
  while (entries_.size() > max_len) entries_.pop_back();
}

void LatencyMonitor::add(std::string_view event, int64_t ms, int64_t now_s) {
  auto it = events_.find(event);
  if (it == events_.end()) it = events_.emplace(std::string(event), Series{}).first;
  Series& s = it->second;
  s.max_ms = std::max(s.max_ms, ms);
  // One sample per second: the worst of that second.
  Sample& prev = s.samples[(s.next + kSamples - 1) % kSamples];
  if (prev.time_s == now_s) {
    prev.ms = std::max(prev.ms, ms);
    return;
  }
  s.samples[s.next] = {now_s, ms};
  s.next = (s.next + 1) % kSamples;
}

size_t LatencyMonitor::reset(std::span<const std::string_view> events) {
  if (events.empty()) {
    size_t n = events_.size();
    events_.clear();
    return n;
  }
  size_t n = 0;
  for (std::string_view e : events) {
    auto it = events_.find(e);
    if (it == events_.end()) continue;
    events_.erase(it);
    ++n;
  }
  return n;
}

const LatencyMonitor::Series* LatencyMonitor::find(std::string_view event) const {
  auto it = events_.find(event);
  return it == events_.end() ? nullptr : &it->second;
}

namespace {

// Advice per kind of event eddy records, for LATENCY DOCTOR.
std::string_view advice_for(std::string_view event) {
  if (event == "command" || event == "fast-command" || event == "command-unblocking")
    return "- Check SLOWLOG GET for the commands that are too slow to execute. Commands over many "
           "elements (KEYS, LRANGE of a whole long list, HGETALL of a large hash, DEL of a large "
           "value) run on the one thread that serves every client.";
  if (event == "fork")
    return "- Forking to write a snapshot pauses the server for a time that grows with the "
           "memory used: snapshot less often (save, auto-aof-rewrite-percentage) or keep the "
           "dataset smaller.";
  if (event == "aof-write" || event == "aof-fsync")
    return "- Writing or fsyncing the journal is slow: the disk is slow or busy. With "
           "appendfsync always every reply waits for an fsync; everysec bounds the loss to "
           "about a second of writes.";
  if (event == "expire-cycle")
    return "- Many keys expire at the same time: spread their expiry times.";
  return "";
}

}  // namespace

std::string LatencyMonitor::doctor(int64_t now_s, int64_t slowlog_slower_than_us) const {
  if (threshold_ms == 0 && events_.empty())
    return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this eddy "
           "instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in "
           "order to enable it.\n";
  if (events_.empty())
    return "Dave, no latency spike was observed during the lifetime of this eddy instance, not "
           "in the slightest bit. I honestly think you ought to sit down calmly, take a stress "
           "pill, and think things over.\n";
  std::string out =
      "Dave, I have observed latency spikes in this eddy instance. You don't mind talking about "
      "it, do you Dave?\n\n";
  std::vector<std::string_view> advice;
  int n = 0;
  for (const auto& [name, s] : events_) {
    // Redis's analyzeLatencyForEvent: average, mean absolute deviation, and the mean period
    // between spikes since the oldest one kept.
    int64_t samples = 0, sum = 0, oldest = 0;
    for (const Sample& x : s.samples) {
      if (x.time_s == 0) continue;
      ++samples;
      sum += x.ms;
      if (oldest == 0 || x.time_s < oldest) oldest = x.time_s;
    }
    if (samples == 0) continue;
    const int64_t avg = sum / samples;
    int64_t deviation = 0;
    for (const Sample& x : s.samples)
      if (x.time_s != 0) deviation += std::abs(avg - x.ms);
    const int64_t period = std::max<int64_t>(now_s - oldest, 1);
    char line[512];
    std::snprintf(line, sizeof line,
                  "%d. %s: %lld latency spikes (average %lldms, mean deviation %lldms, period "
                  "%.2f sec). Worst all time event %lldms.\n",
                  ++n, name.c_str(), static_cast<long long>(samples), static_cast<long long>(avg),
                  static_cast<long long>(deviation / samples),
                  static_cast<double>(period) / static_cast<double>(samples),
                  static_cast<long long>(s.max_ms));
    out += line;
    std::string_view a = advice_for(name);
    if (!a.empty() && std::find(advice.begin(), advice.end(), a) == advice.end())
      advice.push_back(a);
  }
  // Slow commands are worth finding in the slowlog: say so when it is off or logs fewer of them.
  std::string slowlog_advice;
  const bool commands = find("command") || find("fast-command");
  if (commands && slowlog_slower_than_us < 0)
    slowlog_advice = "- The slowlog is disabled: use 'CONFIG SET slowlog-log-slower-than " +
                     std::to_string(threshold_ms * 1000) + "' to see which commands are slow.";
  else if (commands && slowlog_slower_than_us / 1000 > threshold_ms)
    slowlog_advice =
        "- Your current Slow Log configuration only logs events that are slower than your "
        "configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than " +
        std::to_string(threshold_ms * 1000) + "'.";
  if (!slowlog_advice.empty()) advice.insert(advice.begin(), slowlog_advice);
  if (advice.empty()) return out;
  out += "\nI have a few advices for you:\n\n";
  for (std::string_view a : advice) out.append(a).append("\n");
  return out;
}

void RateMeter::sample(uint64_t reading, int64_t now_ms) {
  const int64_t t = now_ms - last_ms_;
  const int64_t delta = static_cast<int64_t>(reading - last_reading_);
  samples_[next_] = last_ms_ != 0 && t > 0 && delta >= 0 ? delta * 1000 / t : 0;
  next_ = (next_ + 1) % samples_.size();
  last_ms_ = now_ms;
  last_reading_ = reading;
}

int64_t RateMeter::per_second() const {
  int64_t sum = 0;
  for (int64_t s : samples_) sum += s;
  return sum / static_cast<int64_t>(samples_.size());
}

std::string monitor_line(int64_t now_us, int db, std::string_view addr,
                         std::span<const std::string_view> argv, std::span<const size_t> redacted) {
  char head[64];
  std::snprintf(head, sizeof head, "+%lld.%06lld [%d ", static_cast<long long>(now_us / 1000000),
                static_cast<long long>(now_us % 1000000), db);
  std::string out(head);
  out.append(addr).append("] ");
  for (size_t i = 0; i < argv.size(); ++i) {
    if (i > 0) out.push_back(' ');
    append_repr(out, is_redacted(redacted, i) ? kRedacted : argv[i]);
  }
  out.append("\r\n");
  return out;
}

void Observability::after_call(const CommandSpec& spec, const Client& client,
                               std::span<const std::string_view> argv,
                               std::span<const size_t> redacted, int64_t now_us,
                               int64_t duration_us) {
  if (!client.blocked) {
    latency.add_if_needed(spec.flags & kFast ? "fast-command" : "command", duration_us / 1000,
                          now_us / 1000000);
    if (!(spec.flags & kSkipSlowlog))
      slowlog.push_if_needed(argv, redacted, client, now_us / 1000000, duration_us);
  }
  if (monitors.empty() || (spec.flags & (kSkipMonitor | kAdmin))) return;
  const std::string line = monitor_line(now_us, client.db, client.addr, argv, redacted);
  for (Client* m : monitors)
    if (!m->reply_off && m->send_async) m->send_async(line);
}

void Observability::after_unblock(const CommandSpec& spec, const Client& client,
                                  std::span<const std::string_view> argv, int64_t now_us,
                                  int64_t duration_us, int64_t reply_us) {
  if (!(spec.flags & kSkipSlowlog))
    slowlog.push_if_needed(argv, {}, client, now_us / 1000000, duration_us);
  latency.add_if_needed("command-unblocking", reply_us / 1000, now_us / 1000000);
}

void Observability::start_monitor(Client& client) {
  client.monitor = true;
  monitors.push_back(&client);
}

void Observability::stop_monitor(Client& client) {
  if (!client.monitor) return;
  client.monitor = false;
  std::erase(monitors, &client);
}

void Observability::reset_rates(int64_t now_ms) {
  last_rate_ms_ = now_ms;
  for (RateMeter* m : {&ops, &net_input, &net_output}) m->reset(now_ms);
}

void Observability::sample_rates(uint64_t commands, uint64_t in, uint64_t out, int64_t now_ms) {
  if (now_ms - last_rate_ms_ < 100) return;
  last_rate_ms_ = now_ms;
  ops.sample(commands, now_ms);
  net_input.sample(in, now_ms);
  net_output.sample(out, now_ms);
}

}  // namespace eddy::commands
