#include "crdt/replica.h"

#include <algorithm>
#include <optional>
#include <type_traits>

namespace eddy::crdt {

Replica::Replica(const Clock& clock, ReplicaOptions options)
    : clock_(clock),
      options_(options),
      node_(NodeRegistry::intern(options.replica_id)),
      hlc_(clock),
      dbs_(static_cast<size_t>(options.databases)),
      rng_(options.replica_id ^ static_cast<uint64_t>(clock.now_us())) {
  refresh_time();
}

bool Replica::is_expired(const KeyState& state) const {
  auto at = state.expire_at();
  return at && *at < now_ms_;
}

const KeyState* Replica::peek(int db, std::string_view key) const {
  return dbs_[db].keys.find(key);
}

KeyState* Replica::find_no_touch(int db, std::string_view key) {
  KeyState* state = dbs_[db].keys.find(key);
  if (!state || !is_expired(*state)) return state;
  if (state->expiry_author().node == node_) delete_expired(db, key);
  return nullptr;
}

KeyState* Replica::find_for_write(int db, std::string_view key) {
  KeyState* state = dbs_[db].keys.find(key);
  if (!state) return nullptr;
  if (!is_expired(*state)) {
    touch(*state);
    return state;
  }
  delete_expired(db, key);
  return nullptr;
}

bool Replica::forget(int db, std::string_view key) {
  Database& d = dbs_[db];
  if (!d.keys.erase(key)) return false;
  d.expires.erase(key);
  ++mutations_;
  if (on_key_changed) on_key_changed(db, key);
  return true;
}

void Replica::delete_expired(int db, std::string_view key) {
  ++expired_keys_;
  write(op::RemoveKey{db, std::string(key), {}});
}

void Replica::begin_unit() {
  if (unit_depth_++ == 0) pending_ = Unit{};
}

void Replica::commit_unit() {
  if (--unit_depth_ > 0) return;
  // seq counts units that changed something, contiguously: an empty unit takes no number.
  if (unit_writes_ == 0) return;
  unit_writes_ = 0;
  pending_.seq = ++seq_;
  pending_.origin = node_;
  if (sink_) sink_->append(pending_);
  pending_.effects.clear();
}

void Replica::prefetch(const Unit& unit) const {
  for (const Effect& effect : unit.effects)
    std::visit(
        [&](const auto& o) {
          if constexpr (requires { o.key; })
            if (o.db >= 0 && o.db < static_cast<int>(dbs_.size())) dbs_[o.db].keys.prefetch(o.key);
        },
        effect.op);
}

const KeyState* Replica::peek_any(int db, std::string_view key) const {
  const KeyState* state = dbs_[db].keys.find(key);
  return state ? state : dbs_[db].ghosts.find(key);
}

namespace {

Observed observe_cell(const Cell& cell) {
  Observed seen;
  cell.add_context(seen.dots);
  cell.add_floors(seen.floors);
  return seen;
}

}  // namespace

// Fills in what this replica has observed of the key the op writes: the context that lets the
// op remove exactly what its writer saw, and, for counters, the writer's new lane total.
void Replica::fill_context(Op& op) {
  std::visit(
      [&](auto& o) {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, op::SetString> || std::is_same_v<T, op::RemoveKey>) {
          const KeyState* state = peek_any(o.db, o.key);
          o.seen = state ? state->observe() : Observed{};
        } else if constexpr (std::is_same_v<T, op::SetExpiry>) {
          const KeyState* state = peek_any(o.db, o.key);
          o.seen = state ? state->expiry_context() : VersionVector{};
        } else if constexpr (std::is_same_v<T, op::CounterAdd>) {
          const KeyState* state = dbs_[o.db].keys.find(o.key);
          const CounterLane* lane = state ? state->lane(node_) : nullptr;
          auto total = (lane ? lane->total : Decimal{}).add(o.delta);
          o.total = total ? *total : o.delta;
          o.previous = lane ? lane->dot : Stamp{};
          if (state) o.others = state->observe_others(KeyType::kString);
        } else if constexpr (std::is_same_v<T, op::ListPush> || std::is_same_v<T, op::ListInsert> ||
                             std::is_same_v<T, op::ListSet> || std::is_same_v<T, op::ListRemove>) {
          if (const KeyState* state = dbs_[o.db].keys.find(o.key))
            o.others = state->observe_others(KeyType::kList);
        } else if constexpr (std::is_same_v<T, op::HashSet> || std::is_same_v<T, op::HashRemove>) {
          const KeyState* state = dbs_[o.db].keys.find(o.key);
          const HashState* hash = state ? state->hash() : nullptr;
          if (state) o.others = state->observe_others(KeyType::kHash);
          if constexpr (std::is_same_v<T, op::HashSet>) {
            for (op::FieldWrite& w : o.fields) {
              const HashField* f = hash ? hash->find(w.field) : nullptr;
              w.birth = f ? f->birth : Stamp{};
              w.seen = f ? observe_cell(f->cell) : Observed{};
            }
          } else {
            for (op::FieldRemove& r : o.fields) {
              const HashField* f = hash ? hash->find(r.field) : nullptr;
              r.seen = f ? observe_cell(f->cell) : Observed{};
            }
          }
        } else if constexpr (std::is_same_v<T, op::FieldAdd>) {
          const KeyState* state = dbs_[o.db].keys.find(o.key);
          const HashField* f = state && state->hash() ? state->hash()->find(o.field) : nullptr;
          const CounterLane* lane = f ? f->cell.lane(node_) : nullptr;
          auto total = (lane ? lane->total : Decimal{}).add(o.delta);
          o.total = total ? *total : o.delta;
          o.previous = lane ? lane->dot : Stamp{};
          o.birth = f ? f->birth : Stamp{};
          if (state) o.others = state->observe_others(KeyType::kHash);
        } else if constexpr (std::is_same_v<T, op::SeriesMeta> || std::is_same_v<T, op::SeriesAdd>) {
          const KeyState* state = dbs_[o.db].keys.find(o.key);
          o.seen = VersionVector{};
          if (state) o.others = state->observe_others(KeyType::kSeries);
          if (const SeriesState* series = state ? state->series() : nullptr) {
            if constexpr (std::is_same_v<T, op::SeriesMeta>)
              series->add_config_context(o.seen);
            else
              for (const SeriesPoint& p : o.samples) series->add_context_at(p.ts, o.seen);
          }
        } else if constexpr (std::is_same_v<T, op::SeriesRemove>) {
          const KeyState* state = dbs_[o.db].keys.find(o.key);
          o.seen = VersionVector{};
          if (state && state->series()) state->series()->add_context(o.seen);
        } else if constexpr (std::is_same_v<T, op::Flush>) {
          o.seen = vv_;
          for (int db = 0; db < options_.databases; ++db) {
            if (o.db >= 0 && db != o.db) continue;
            dbs_[db].keys.for_each([&](std::string_view key, KeyState& s) {
              Observed floors;
              if (s.has_counter()) floors.floors = s.observe().floors;
              if (s.hash()) s.hash()->add_floors(floors.fields);
              if (!floors.empty()) o.counters.push_back({db, std::string(key), std::move(floors)});
            });
          }
        }
      },
      op);
}

void Replica::write(Op op) {
  begin_unit();
  fill_context(op);
  Stamp stamp{hlc_.next(stamps_needed(op)), node_};
  apply(stamp, op);
  ++unit_writes_;
  // Units exist for the journal; with no journal attached there is nobody to hand them to.
  // A local removal that takes a key's last element or field deletes the key, TTL included, as
  // in Redis: the expiry entries it saw are removed in the same unit.
  std::optional<op::RemoveKey> delete_key;
  std::visit(
      [&](const auto& o) {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, op::ListRemove> || std::is_same_v<T, op::HashRemove>)
          if (!dbs_[o.db].keys.find(o.key) && dbs_[o.db].ghosts.find(o.key))
            delete_key = op::RemoveKey{o.db, o.key, {}};
      },
      op);
  if (sink_) pending_.effects.push_back(Effect{stamp, std::move(op)});
  if (delete_key) write(std::move(*delete_key));
  commit_unit();
}

Replica::Delivery Replica::apply_remote(const Unit& unit) {
  const uint64_t last = applied_seq(unit.origin);
  if (unit.seq <= last) return Delivery::kDuplicate;
  if (unit.origin == node_ || unit.seq != last + 1) return Delivery::kGap;
  applying_remote_ = true;
  apply_effects(unit);
  applying_remote_ = false;
  remote_seqs_[unit.origin] = unit.seq;
  return Delivery::kApplied;
}

void Replica::apply_effects(const Unit& unit) {
  for (const Effect& effect : unit.effects) {
    hlc_.observe(effect.stamp.hlc);
    apply(effect.stamp, effect.op);
  }
}

uint64_t Replica::applied_seq(NodeIndex origin) const {
  if (origin == node_) return seq_;
  auto it = remote_seqs_.find(origin);
  return it == remote_seqs_.end() ? 0 : it->second;
}

void Replica::adopt_identity(uint64_t replica_id) {
  options_.replica_id = replica_id;
  node_ = NodeRegistry::intern(replica_id);
}

void Replica::restore_key(int db, std::string_view key, KeyState state) {
  const bool visible = state.alive();
  Table& table = visible ? dbs_[db].keys : dbs_[db].ghosts;
  KeyState* slot = table.try_emplace(key).first;
  *slot = std::move(state);
  slot->set_access(access_clock_.initial(now_ms_));
  if (visible) refresh_expiry_index(db, key, slot);
  ++mutations_;
}

void Replica::clear_keyspace() {
  for (Database& d : dbs_) {
    d.keys.clear();
    d.expires.clear();
    d.ghosts.clear();
  }
  ++mutations_;
  if (on_db_changed) on_db_changed(-1);
}

void Replica::restore_clocks(uint64_t seq, uint64_t hlc, const VersionVector& vv) {
  seq_ = std::max(seq_, seq);
  hlc_.restore(hlc);
  vv_.merge(vv);
}

void Replica::restore_remote_seq(NodeIndex origin, uint64_t seq) {
  uint64_t& last = remote_seqs_[origin];
  last = std::max(last, seq);
}

void Replica::note_conflict(int db, std::string_view key, std::string_view field,
                            const Stamp& held, const compact::CompactString& held_value,
                            const Stamp& arriving, std::string_view arriving_value,
                            const VersionVector& seen) {
  // Concurrent: the arriving write's author had not seen the register it meets.
  if (replaying_ || held == arriving || seen.covers(held)) return;
  std::string scratch;
  conflicts_.record(db, key, field, held, held_value.view(scratch), arriving, arriving_value,
                    now_ms_);
}

Replica::Delivery Replica::replay(const Unit& unit) {
  if (unit.origin != node_) {
    // A restart's replay: the conflicts it meets again were recorded when they first arrived.
    replaying_ = true;
    const Delivery delivery = apply_remote(unit);
    replaying_ = false;
    return delivery;
  }
  if (unit.seq <= seq_) return Delivery::kDuplicate;
  if (unit.seq != seq_ + 1) return Delivery::kGap;
  apply_effects(unit);
  seq_ = unit.seq;
  return Delivery::kApplied;
}

void Replica::refresh_expiry_index(int db, std::string_view key, const KeyState* state) {
  auto at = state ? state->expire_at() : std::nullopt;
  if (!at && dbs_[db].expires.size() == 0) return;  // nothing to index, nothing to unindex
  if (at)
    *dbs_[db].expires.try_emplace(key).first = *at;
  else
    dbs_[db].expires.erase(key);
}

void Replica::apply_to_key(int db, std::string_view key, const std::function<void(KeyState&)>& fn,
                           bool create) {
  Database& d = dbs_[db];
  KeyState* state = nullptr;
  if (create && d.ghosts.size() == 0) {
    // The common write: one lookup finds the key or adds it.
    auto [slot, added] = d.keys.try_emplace(key);
    state = slot;
    if (added) state->set_access(access_clock_.initial(now_ms_));
  } else if (!(state = d.keys.find(key))) {
    KeyState* ghost = d.ghosts.find(key);
    if (!ghost && !create) return;
    state = d.keys.try_emplace(key).first;
    if (ghost) {
      *state = std::move(*ghost);
      d.ghosts.erase(key);
    }
    state->set_access(access_clock_.initial(now_ms_));
  }
  fn(*state);
  if (state->alive()) {
    refresh_expiry_index(db, key, state);
  } else {
    if (state->has_entries()) *d.ghosts.try_emplace(key).first = std::move(*state);
    d.keys.erase(key);
    d.expires.erase(key);
  }
  if (on_key_changed) on_key_changed(db, key);
}

void Replica::apply(const Stamp& stamp, const Op& op) {
  vv_.add(stamp);
  ++mutations_;
  std::visit(
      [&](const auto& o) {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, op::SetString>) {
          apply_to_key(
              o.db, o.key,
              [&](KeyState& s) {
                if (applying_remote_ && s.has_register())
                  note_conflict(o.db, o.key, {}, s.register_stamp(), s.register_value(), stamp,
                                o.value, o.seen.dots);
                s.apply(stamp, o, options_.compress_values);
              },
              true);
        } else if constexpr (std::is_same_v<T, op::HashSet>) {
          apply_to_key(
              o.db, o.key,
              [&](KeyState& s) {
                const uint64_t first = stamp.hlc - (o.fields.size() - 1);
                for (size_t i = 0; applying_remote_ && s.hash() && i < o.fields.size(); ++i) {
                  const op::FieldWrite& w = o.fields[i];
                  if (const HashField* f = s.hash()->find(w.field); f && f->cell.has_register())
                    note_conflict(o.db, o.key, w.field, f->cell.register_stamp(),
                                  f->cell.register_value(), Stamp{first + i, stamp.node}, w.value,
                                  w.seen.dots);
                }
                s.apply(stamp, o, options_.compress_values);
              },
              true);
        } else if constexpr (std::is_same_v<T, op::ListPush> || std::is_same_v<T, op::ListInsert> ||
                             std::is_same_v<T, op::ListSet>) {
          apply_to_key(
              o.db, o.key, [&](KeyState& s) { s.apply(stamp, o, options_.compress_values); }, true);
        } else if constexpr (std::is_same_v<T, op::ListRemove> ||
                             std::is_same_v<T, op::HashRemove> ||
                             std::is_same_v<T, op::SeriesRemove>) {
          apply_to_key(
              o.db, o.key, [&](KeyState& s) { s.apply(stamp, o); }, false);
        } else if constexpr (std::is_same_v<T, op::CounterAdd> ||
                             std::is_same_v<T, op::SetExpiry> || std::is_same_v<T, op::FieldAdd> ||
                             std::is_same_v<T, op::SeriesMeta> || std::is_same_v<T, op::SeriesAdd>) {
          apply_to_key(
              o.db, o.key, [&](KeyState& s) { s.apply(stamp, o); }, true);
        } else if constexpr (std::is_same_v<T, op::RemoveKey>) {
          apply_to_key(
              o.db, o.key, [&](KeyState& s) { s.apply_remove(o.seen); }, false);
        } else if constexpr (std::is_same_v<T, op::Flush>) {
          for (int db = 0; db < options_.databases; ++db) {
            if (o.db >= 0 && db != o.db) continue;
            Database& d = dbs_[db];
            auto spared = [&](std::string_view key) {
              return applying_remote_ && local_only && local_only(key);
            };
            for (const op::KeyFloors& kf : o.counters)
              if (kf.db == db && !spared(kf.key))
                if (KeyState* s = d.keys.find(kf.key)) s->apply_remove(kf.floors);
            std::vector<std::string> dead;
            d.keys.for_each([&](std::string_view key, KeyState& s) {
              if (spared(key)) return;
              s.apply_remove_all_covered(o.seen);
              if (s.alive())
                refresh_expiry_index(db, key, &s);
              else
                dead.emplace_back(key);
            });
            for (const std::string& key : dead) {
              KeyState* s = d.keys.find(key);
              if (s->has_entries()) *d.ghosts.try_emplace(key).first = std::move(*s);
              d.keys.erase(key);
              d.expires.erase(key);
            }
            dead.clear();
            d.ghosts.for_each([&](std::string_view key, KeyState& s) {
              if (spared(key)) return;
              s.apply_remove_all_covered(o.seen);
              if (!s.has_entries()) dead.emplace_back(key);
            });
            for (const std::string& key : dead) d.ghosts.erase(key);
          }
          if (on_db_changed) on_db_changed(o.db);
        } else if constexpr (std::is_same_v<T, op::SwapDb>) {
          dbs_[o.a].keys.swap(dbs_[o.b].keys);
          dbs_[o.a].expires.swap(dbs_[o.b].expires);
          dbs_[o.a].ghosts.swap(dbs_[o.b].ghosts);
          if (on_db_changed) {
            on_db_changed(o.a);
            on_db_changed(o.b);
          }
        }
      },
      op);
}

size_t Replica::active_expire_cycle(int64_t budget_us) {
  // Redis's shape: per database, sample 20 keys with a TTL, delete the expired ones, and go on
  // while more than a quarter of the sample was expired and time remains.
  constexpr size_t kSample = 20;
  const int64_t deadline = clock_.now_us() + budget_us;
  refresh_time();
  size_t deleted = 0;
  std::vector<std::string> expired;
  for (int db = 0; db < options_.databases; ++db) {
    Database& d = dbs_[db];
    while (d.expires.size() > 0) {
      expired.clear();
      size_t sampled = 0;
      d.expires.sample(kSample, rng_, [&](std::string_view key, int64_t& at) {
        ++sampled;
        if (at < now_ms_) expired.emplace_back(key);
      });
      // Keys whose expiry another replica authored stay (hidden) until its delete arrives; they
      // do not count towards going on.
      size_t deleted_now = 0;
      for (const std::string& key : expired) {
        const KeyState* state = d.keys.find(key);
        if (state && state->expiry_author().node == node_ && is_expired(*state)) {
          delete_expired(db, key);
          ++deleted_now;
        }
      }
      deleted += deleted_now;
      if (sampled == 0 || deleted_now * 4 <= sampled || clock_.now_us() > deadline) break;
    }
  }
  return deleted;
}

}  // namespace eddy::crdt
