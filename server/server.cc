#include "server/server.h"

#include <chrono>
#include <sstream>

#include "compact/log.h"
#include "server/connection.h"
#include "server/metrics_server.h"
#include "server/tls.h"

namespace eddy::server {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

TlsOptions server_tls_options(const commands::Config& config) {
  TlsOptions o;
  o.cert_file = config.text("tls-cert-file");
  o.key_file = config.text("tls-key-file");
  o.ca_file = config.text("tls-ca-cert-file");
  const std::string& auth = config.text("tls-auth-clients");
  o.verify = auth == "no"         ? TlsOptions::Verify::kNone
             : auth == "optional" ? TlsOptions::Verify::kOptional
                                  : TlsOptions::Verify::kRequired;
  o.protocols = config.text("tls-protocols");
  return o;
}

// A word of `bind` as an address: "*" is every IPv4 address, "::*" every IPv6 one, and a leading
// '-' (an address that may be unavailable) is dropped.
std::string bind_host(std::string word) {
  if (!word.empty() && word[0] == '-') word.erase(0, 1);
  return word == "*" ? "0.0.0.0" : word == "::*" ? "::" : word;
}

}  // namespace

Server::Server(asio::io_context& io, commands::Config& config, commands::Engine& engine)
    : io_(io), config_(config), engine_(engine), cron_timer_(io) {
  output_limit_ = commands::output_buffer_limits(config)[0];
  config.on_change("client-output-buffer-limit", [this](const commands::Config::Directive&) {
    output_limit_ = commands::output_buffer_limits(config_)[0];
  });
}

Server::~Server() = default;

std::string Server::listen() {
  std::string errors;
  if (const int port = static_cast<int>(config_.integer("port")); port != 0)
    errors += listen_on(port, nullptr);
  if (const int tls_port = static_cast<int>(config_.integer("tls-port")); tls_port != 0) {
    std::string error;
    tls_ = TlsContext::create(TlsContext::Role::kServer, server_tls_options(config_), error);
    if (!tls_) return error;
    errors += listen_on(tls_port, tls_.get());
  }
  if (acceptors_.empty() && errors.empty()) errors = "No listening address in 'bind'.";
  if (!errors.empty() && acceptors_.empty()) return errors;
  if (const int port = static_cast<int>(config_.integer("metrics-port")); port != 0) {
    std::istringstream words(config_.text("bind"));
    std::string first;
    words >> first;
    metrics_ = std::make_unique<MetricsServer>(io_, engine_);
    if (std::string error = metrics_->listen(bind_host(first), port); !error.empty()) return error;
  }
  schedule_cron();
  return "";
}

// `bind` as in redis.conf: addresses separated by spaces, "*" for every IPv4 address, "::*" for
// every IPv6 one, and a leading '-' for an address that may be unavailable.
std::string Server::listen_on(int port, TlsContext* tls) {
  std::istringstream words(config_.text("bind"));
  std::string word, errors;
  while (words >> word) {
    bool optional = word[0] == '-';
    if (optional) word.erase(0, 1);
    const std::string host = bind_host(word);
    boost::system::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec) {
      errors += "Invalid bind address '" + word + "'. ";
      continue;
    }
    tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
    auto acceptor = std::make_unique<tcp::acceptor>(io_);
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec && address.is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(511, ec);
    if (ec) {
      if (!optional)
        errors += "Could not create server TCP listening socket " + host + ":" +
                  std::to_string(port) + ": " + ec.message() + ". ";
      continue;
    }
    accept(*acceptor, tls);
    acceptors_.push_back(std::move(acceptor));
  }
  return errors;
}

void Server::accept(tcp::acceptor& acceptor, TlsContext* tls) {
  acceptor.async_accept([this, &acceptor, tls](const boost::system::error_code& ec,
                                               tcp::socket socket) {
    if (stopped_) return;
    if (!ec) {
      if (static_cast<int64_t>(connections_.size()) >= config_.integer("maxclients")) {
        static const std::string kRefusal = "-ERR max number of clients reached\r\n";
        boost::system::error_code ignored;
        asio::write(socket, asio::buffer(kRefusal), ignored);
        socket.close(ignored);
        engine_.net_stats().rejected_connections++;
      } else {
        std::make_shared<Connection>(*this, std::move(socket), tls)->start();
      }
    }
    accept(acceptor, tls);
  });
}

void Server::schedule_cron() {
  int64_t hz = std::max<int64_t>(1, std::min<int64_t>(500, config_.integer("hz")));
  cron_timer_.expires_after(std::chrono::milliseconds(1000 / hz));
  cron_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    cron();
    schedule_cron();
  });
}

void Server::cron() {
  engine_.cron();
  int64_t timeout_s = config_.integer("timeout");
  if (timeout_s <= 0) return;
  int64_t now = wall_ms();
  std::vector<Connection*> idle;
  for (Connection* c : connections_)
    if (now - c->client().last_interaction_ms > timeout_s * 1000) idle.push_back(c);
  for (Connection* c : idle) {
    compact::log(compact::LogLevel::kVerbose, "Closing idle client");
    c->close();
  }
}

void Server::stop() {
  stopped_ = true;
  boost::system::error_code ec;
  for (auto& a : acceptors_) a->close(ec);
  if (metrics_) metrics_->stop();
  cron_timer_.cancel();
  std::vector<Connection*> all(connections_.begin(), connections_.end());
  for (Connection* c : all) c->close();
}

}  // namespace eddy::server
