#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "commands/client.h"
#include "commands/command_table.h"

namespace eddy::commands {

// One SLOWLOG entry, as Redis 7.0 keeps it: the arguments trimmed (at most 32, the last saying
// how many more there were; each at most 128 bytes, with a suffix saying how many more bytes),
// the client's address and name.
struct SlowlogEntry {
  int64_t id = 0;
  int64_t time_s = 0;
  int64_t duration_us = 0;
  std::vector<std::string> argv;
  std::string addr;
  std::string name;
};

// Redis's slowlog: the newest entry first, trimmed to slowlog-max-len as entries arrive.
class Slowlog {
 public:
  static constexpr size_t kMaxArgc = 32;
  static constexpr size_t kMaxString = 128;

  // Logs the command when it took at least `slower_than` µs (a negative value, or a max_len of
  // 0, disables the log). `redacted` lists the arguments shown as "(redacted)".
  void push_if_needed(std::span<const std::string_view> argv, std::span<const size_t> redacted,
                      const Client& client, int64_t now_s, int64_t duration_us);
  void reset() { entries_.clear(); }
  const std::deque<SlowlogEntry>& entries() const { return entries_; }

  int64_t slower_than_us = 10000;  // slowlog-log-slower-than
  size_t max_len = 128;            // slowlog-max-len

 private:
  std::deque<SlowlogEntry> entries_;
  int64_t next_id_ = 0;
};

// Redis's latency monitor: per event, the worst latency of each second for the last 160 seconds
// with samples, and the worst of all time. Latencies are in milliseconds.
class LatencyMonitor {
 public:
  static constexpr size_t kSamples = 160;
  struct Sample {
    int64_t time_s = 0;  // 0: an unused slot
    int64_t ms = 0;
  };
  struct Series {
    std::array<Sample, kSamples> samples{};
    size_t next = 0;  // the slot the next second's sample takes
    int64_t max_ms = 0;
    const Sample& latest() const { return samples[(next + kSamples - 1) % kSamples]; }
  };

  // latencyAddSampleIfNeeded: records `ms` when monitoring is on and it reaches the threshold.
  void add_if_needed(std::string_view event, int64_t ms, int64_t now_s) {
    if (threshold_ms > 0 && ms >= threshold_ms) add(event, ms, now_s);
  }
  void add(std::string_view event, int64_t ms, int64_t now_s);
  // Forgets the events named (all of them when none is), returning how many existed.
  size_t reset(std::span<const std::string_view> events);
  const Series* find(std::string_view event) const;
  const std::map<std::string, Series, std::less<>>& events() const { return events_; }
  // LATENCY DOCTOR's report.
  std::string doctor(int64_t now_s, int64_t slowlog_slower_than_us) const;

  int64_t threshold_ms = 0;  // latency-monitor-threshold; 0: off

 private:
  std::map<std::string, Series, std::less<>> events_;
};

// INFO's instantaneous_* figures as Redis computes them: a rate sampled every 100 ms, averaged
// over the last 16 samples.
class RateMeter {
 public:
  // Starts over from a reading of 0 at `now_ms` (start, CONFIG RESETSTAT).
  void reset(int64_t now_ms) {
    samples_.fill(0);
    next_ = 0;
    last_ms_ = now_ms;
    last_reading_ = 0;
  }
  void sample(uint64_t reading, int64_t now_ms);
  int64_t per_second() const;

 private:
  std::array<int64_t, 16> samples_{};
  size_t next_ = 0;
  int64_t last_ms_ = 0;
  uint64_t last_reading_ = 0;
};

// MONITOR's line for one command: "+<seconds>.<micros> [<db> <addr>] "arg" ...\r\n", each
// argument quoted and escaped as Redis's sdscatrepr does, redacted ones as "(redacted)".
std::string monitor_line(int64_t now_us, int db, std::string_view addr,
                         std::span<const std::string_view> argv, std::span<const size_t> redacted);

// What SLOWLOG, LATENCY, MONITOR and INFO's rates keep, and the epilogue Redis runs after every
// command (the end of its call()).
class Observability {
 public:
  Slowlog slowlog;
  LatencyMonitor latency;
  // Clients in MONITOR mode, in the order they asked.
  std::vector<Client*> monitors;
  RateMeter ops, net_input, net_output;
  uint64_t expire_cycle_us = 0;  // INFO's expire_cycle_cpu_milliseconds

  // After a command ran for `duration_us`: the latency event ("command" or "fast-command"), the
  // slowlog (unless the command is blocked, logged once it is served, or flagged skip_slowlog)
  // and the monitors (unless flagged skip_monitor or admin).
  void after_call(const CommandSpec& spec, const Client& client,
                  std::span<const std::string_view> argv, std::span<const size_t> redacted,
                  int64_t now_us, int64_t duration_us);
  // A blocked command served at last (or timed out): logged with its whole run time, the time it
  // spent waiting excepted, as Redis's updateStatsOnUnblock does.
  void after_unblock(const CommandSpec& spec, const Client& client,
                     std::span<const std::string_view> argv, int64_t now_us, int64_t duration_us,
                     int64_t reply_us);
  void start_monitor(Client& client);
  void stop_monitor(Client& client);
  // The cron's reading of the counters behind the rates, taken every 100 ms at most; the counters
  // start from 0 at `now_ms` after reset_rates.
  void reset_rates(int64_t now_ms);
  void sample_rates(uint64_t commands, uint64_t net_input, uint64_t net_output, int64_t now_ms);

 private:
  int64_t last_rate_ms_ = 0;
};

}  // namespace eddy::commands
