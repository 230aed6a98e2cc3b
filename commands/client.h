#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::commands {

struct AclUser;

// What the engine knows of one connection. server/ creates it, keeps the transport figures
// (buffers, last interaction) up to date, and supplies the two callbacks the engine may need to
// reach the socket outside of a reply: closing it (CLIENT KILL) and sending bytes that are not the
// reply of the command being executed (a blocked command's late reply).
struct Client {
  uint64_t id = 0;
  std::string addr;   // "127.0.0.1:53412"
  std::string laddr;  // "127.0.0.1:6379"
  int fd = -1;
  int64_t created_ms = 0;
  int64_t last_interaction_ms = 0;
  size_t query_buffer_bytes = 0;
  size_t output_buffer_bytes = 0;

  // Per-session state, changed by commands.
  int resp = 2;
  int db = 0;
  std::string name;
  std::string lib_name;
  std::string lib_ver;
  bool authenticated = true;
  // The ACL user the connection runs as; null for internal clients, which may run anything.
  const AclUser* user = nullptr;
  bool close_after_reply = false;  // QUIT, CLIENT KILL of oneself
  std::string last_command = "NULL";

  // MULTI/EXEC: queued commands with owned arguments.
  bool in_multi = false;
  bool multi_error = false;  // a queued command was refused: EXEC answers EXECABORT
  std::vector<std::vector<std::string>> multi_queue;
  // WATCH: set when a watched key is touched; EXEC then answers a null array.
  bool watch_dirty = false;
  std::vector<std::pair<int, std::string>> watched_keys;

  // CLIENT REPLY: OFF drops every reply, SKIP the next command's.
  bool reply_off = false;
  bool reply_skip = false;       // this command's reply is dropped
  bool reply_skip_next = false;  // set by CLIENT REPLY SKIP for the command after it

  // In a blocking command: the connection executes nothing more until `resume` is called.
  bool blocked = false;
  // MONITOR: the connection receives a line for every command run (send_async).
  bool monitor = false;

  // On a hub: the replica id of the edge that said EDGE.HELLO on this connection (0: none).
  uint64_t edge_peer = 0;

  std::function<void()> kill;
  std::function<void()> resume;
  std::function<void(std::string_view)> send_async;
};

// The line CLIENT INFO and CLIENT LIST print for a client (client_family.cc); ACL LOG keeps it.
std::string client_info_line(const Client& c);

}  // namespace eddy::commands
