// eddy [config-file] [--directive value ...]: a Redis-protocol key-value store for the edge.
#include <sys/stat.h>
#include <unistd.h>

// Boost 1.74's asio needs <utility> before it with GCC 12 (std::exchange).
#include <utility>

#include <boost/asio.hpp>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "commands/config.h"
#include "commands/engine.h"
#include "compact/log.h"
#include "crdt/clock.h"
#include "server/config_file.h"
#include "server/edge_client.h"
#include "server/presets.h"
#include "server/server.h"

namespace {

using eddy::compact::LogLevel;
using eddy::compact::log;

constexpr const char* kVersion = "0.1.0";

void print_usage() {
  std::printf(
      "Usage: eddy [/path/to/eddy.conf] [--preset NAME] [options] [-]\n"
      "       eddy - (read config from stdin)\n"
      "       eddy -v or --version\n"
      "       eddy -h or --help\n\n"
      "Examples:\n"
      "       eddy (run an edge on port 6379 with its data in ./data)\n"
      "       eddy /etc/eddy/eddy.conf\n"
      "       eddy --port 7777\n"
      "       eddy --role hub --port 7000 --dir /var/lib/eddy\n"
      "       eddy /etc/eddy/eddy.conf --loglevel verbose\n"
      "       eddy --preset iot --hub hub.example:7000 --node-name gw1\n\n"
      "Settings apply in this order, each overriding the one before: the preset,\n"
      "then the config file, then the --directive options.\n"
      "Presets (built in; standard holds the defaults):");
  for (const eddy::server::Preset& preset : eddy::server::presets())
    std::printf(" %.*s", static_cast<int>(preset.name.size()), preset.name.data());
  std::printf("\n");
}

// Creates `dir` if missing and makes it the working directory, as redis-server does.
bool enter_data_dir(const std::string& dir) {
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    log(LogLevel::kWarning, "Can't create data directory '" + dir + "': " + std::strerror(errno));
    return false;
  }
  if (chdir(dir.c_str()) != 0) {
    log(LogLevel::kWarning, "Can't chdir to '" + dir + "': " + std::strerror(errno));
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "-v" || args[0] == "--version")) {
    std::printf("eddy v=%s sha=00000000:0 malloc=libc bits=%d\n", kVersion,
                static_cast<int>(sizeof(void*) * 8));
    return 0;
  }
  if (!args.empty() && (args[0] == "-h" || args[0] == "--help")) {
    print_usage();
    return 0;
  }
  std::signal(SIGPIPE, SIG_IGN);

  eddy::commands::Config config;
  if (auto err = eddy::server::apply_command_line(args, config)) {
    std::fputs(err->format().c_str(), stderr);
    return 1;
  }
  if (auto level = eddy::compact::parse_log_level(config.text("loglevel")))
    eddy::compact::set_log_level(*level);
  if (auto err = eddy::compact::set_log_file(config.text("logfile"))) {
    std::fprintf(stderr, "%s\n", err->c_str());
    return 1;
  }
  log(LogLevel::kNotice, "oO0OoO0OoO0Oo eddy is starting oO0OoO0OoO0Oo");
  log(LogLevel::kNotice, std::string("eddy version=") + kVersion + ", bits=64, pid=" +
                             std::to_string(getpid()) + ", just started");
  if (config.config_file.empty())
    log(LogLevel::kWarning,
        "Warning: no config file specified, using the default config. In order to specify a "
        "config file use eddy /path/to/eddy.conf");
  if (!enter_data_dir(config.text("dir"))) return 1;

  boost::asio::io_context io(1);
  eddy::crdt::SystemClock clock;
  eddy::commands::Engine engine(config, clock);
  eddy::server::Server server(io, config, engine);
  engine.request_shutdown = [&] {
    server.stop();
    io.stop();
  };

  if (auto err = engine.start_persistence(
          [&io](std::function<void()> fn) { boost::asio::post(io, std::move(fn)); })) {
    log(LogLevel::kWarning, "Fatal error loading the data directory: " + *err);
    return 1;
  }

  // sync-tls: the edge's TLS towards its hub, checked before anything listens.
  std::unique_ptr<eddy::server::TlsContext> hub_tls;
  if (const std::string& hub = config.text("hub"); !hub.empty() && config.flag("sync-tls")) {
    std::string tls_error;
    hub_tls = eddy::server::TlsContext::create(
        eddy::server::TlsContext::Role::kClient,
        eddy::server::hub_tls_options(config, hub.substr(0, hub.rfind(':'))), tls_error);
    if (!hub_tls) {
      log(LogLevel::kWarning, "sync-tls: " + tls_error);
      return 1;
    }
  }
  std::string error = server.listen();
  if (!error.empty()) {
    log(LogLevel::kWarning, error);
    return 1;
  }
  log(LogLevel::kNotice, "Server initialized");
  log(LogLevel::kNotice, "Ready to accept connections tcp");

  // An edge with a hub syncs with it from the start, and keeps trying while it is unreachable.
  std::shared_ptr<eddy::server::EdgeClient> edge_client;
  if (const std::string& hub = config.text("hub"); !hub.empty()) {
    const auto colon = hub.rfind(':');
    const std::string host = hub.substr(0, colon);
    edge_client = std::make_shared<eddy::server::EdgeClient>(
        io, engine, host, colon == std::string::npos ? "6379" : hub.substr(colon + 1),
        hub_tls.get());
    edge_client->start();
    log(LogLevel::kNotice, "Syncing with the hub at " + hub);
  }

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    log(LogLevel::kWarning, std::string("Received ") + (signo == SIGINT ? "SIGINT" : "SIGTERM") +
                                " scheduling shutdown...");
    // A failed final save is logged; the journal still holds every write, so eddy exits.
    if (auto err = engine.prepare_shutdown(std::nullopt))
      log(LogLevel::kWarning, "Error saving before shutdown: " + *err);
    if (edge_client) edge_client->stop();
    server.stop();
    io.stop();
  });
  io.run();
  log(LogLevel::kWarning, "eddy is now ready to exit, bye bye...");
  return 0;
}
