#include "crdt/conflicts.h"

#include <algorithm>

namespace eddy::crdt {

void ConflictLog::record(int db, std::string_view key, std::string_view field, const Stamp& a,
                         std::string_view a_value, const Stamp& b, std::string_view b_value,
                         int64_t now_ms) {
  ++total_;
  const bool a_wins = b < a;
  const std::string_view winner_value = a_wins ? a_value : b_value;
  const std::string_view loser_value = a_wins ? b_value : a_value;
  auto cut = [](std::string_view v) { return std::string(v.substr(0, kValueBytes)); };
  entries_.push_front(Conflict{db, std::string(key), std::string(field), a_wins ? a : b,
                               a_wins ? b : a, cut(winner_value), cut(loser_value),
                               winner_value.size(), loser_value.size(), now_ms});
  if (entries_.size() > kCapacity) entries_.pop_back();
}

}  // namespace eddy::crdt
