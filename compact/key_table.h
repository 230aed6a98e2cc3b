#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <utility>

#include "compact/compact_string.h"
#include "compact/hash.h"
#include "compact/memory.h"

namespace eddy::compact {

// The keyspace hash table, Redis's dict in shape: chained buckets in power-of-two tables, and an
// incremental rehash into a second table, a few buckets per operation, so that no command ever
// pauses for a full rehash. Nodes never move, so a V* stays valid until its key is erased. SCAN
// uses Redis's reverse-binary cursor, which returns every element present for the whole scan
// at least once even while the table grows or shrinks.
template <class V>
class KeyTable {
 public:
  struct Node {
    Node* next;
    CompactString key;
    V value;
  };

  KeyTable() : seed_(process_hash_seed()) {}
  ~KeyTable() { clear(); }
  KeyTable(const KeyTable&) = delete;
  KeyTable& operator=(const KeyTable&) = delete;

  size_t size() const { return t_[0].used + t_[1].used; }
  bool rehashing() const { return rehash_index_ >= 0; }

  V* find(std::string_view key) {
    if (rehashing()) rehash_step(1);
    Node* n = find_node(key);
    return n ? &n->value : nullptr;
  }
  const V* find(std::string_view key) const {
    const Node* n = const_cast<KeyTable*>(this)->find_node(key);
    return n ? &n->value : nullptr;
  }

  // Starts loading the bucket `key` falls in: applying a batch of writes looks keys up a few
  // writes ahead, so that the cache miss of a large table overlaps the work before it.
  void prefetch(std::string_view key) const {
    const uint64_t h = hash(key);
    for (const Table& t : t_)
      if (t.buckets) __builtin_prefetch(&t.buckets[h & t.mask]);
  }

  std::pair<V*, bool> try_emplace(std::string_view key) {
    if (rehashing()) rehash_step(1);
    uint64_t h = hash(key);
    if (Node* n = find_node(key, h)) return {&n->value, false};
    grow_if_needed();
    Table& t = rehashing() ? t_[1] : t_[0];
    size_t idx = h & t.mask;
    Node* n = new Node{t.buckets[idx], CompactString(key), V{}};
    t.buckets[idx] = n;
    ++t.used;
    return {&n->value, true};
  }

  bool erase(std::string_view key) {
    if (rehashing()) rehash_step(1);
    uint64_t h = hash(key);
    for (int i = 0; i < 2; ++i) {
      Table& t = t_[i];
      if (t.used == 0) continue;
      Node** link = &t.buckets[h & t.mask];
      for (Node* n = *link; n; link = &n->next, n = n->next) {
        if (n->key.plain_view() != key) continue;
        *link = n->next;
        delete n;
        --t.used;
        shrink_if_needed();
        return true;
      }
      if (!rehashing()) break;
    }
    return false;
  }

  void clear() {
    for (Table& t : t_) {
      for (size_t i = 0; i < t.capacity(); ++i) {
        for (Node* n = t.buckets[i]; n;) {
          Node* next = n->next;
          delete n;
          n = next;
        }
      }
      deallocate(t.buckets);
      t = Table{};
    }
    rehash_index_ = -1;
  }

  void swap(KeyTable& other) {
    std::swap(t_, other.t_);
    std::swap(rehash_index_, other.rehash_index_);
    std::swap(seed_, other.seed_);
  }

  // Moves up to n buckets to the new table (visiting at most 10n empty ones). True while more
  // work remains.
  bool rehash_step(size_t n) {
    if (!rehashing()) return false;
    size_t empty_visits = n * 10;
    while (n-- > 0 && t_[0].used > 0) {
      while (t_[0].buckets[rehash_index_] == nullptr) {
        ++rehash_index_;
        if (--empty_visits == 0) return true;
      }
      for (Node* node = t_[0].buckets[rehash_index_]; node;) {
        Node* next = node->next;
        size_t idx = hash(node->key.plain_view()) & t_[1].mask;
        node->next = t_[1].buckets[idx];
        t_[1].buckets[idx] = node;
        --t_[0].used;
        ++t_[1].used;
        node = next;
      }
      t_[0].buckets[rehash_index_++] = nullptr;
    }
    if (t_[0].used == 0) {
      deallocate(t_[0].buckets);
      t_[0] = t_[1];
      t_[1] = Table{};
      rehash_index_ = -1;
      return false;
    }
    return true;
  }

  template <class F>
  void for_each(F&& fn) {
    for (Table& t : t_)
      for (size_t i = 0; i < t.capacity(); ++i)
        for (Node* n = t.buckets[i]; n; n = n->next) fn(n->key.plain_view(), n->value);
  }
  template <class F>
  void for_each(F&& fn) const {
    for (const Table& t : t_)
      for (size_t i = 0; i < t.capacity(); ++i)
        for (const Node* n = t.buckets[i]; n; n = n->next)
          fn(n->key.plain_view(), static_cast<const V&>(n->value));
  }

  // Redis's dictScan: visits the bucket the cursor names in the small table and all its
  // expansions in the large one, then advances the cursor by reversed-bit increment.
  template <class F>
  uint64_t scan(uint64_t cursor, F&& fn) {
    if (size() == 0) return 0;
    auto emit = [&](Node* n) {
      for (; n; n = n->next) fn(n->key.plain_view(), n->value);
    };
    if (!rehashing()) {
      const Table& t = t_[0];
      emit(t.buckets[cursor & t.mask]);
      return next_cursor(cursor, t.mask);
    }
    const Table* small = &t_[0];
    const Table* large = &t_[1];
    if (small->capacity() > large->capacity()) std::swap(small, large);
    emit(small->buckets[cursor & small->mask]);
    do {
      emit(large->buckets[cursor & large->mask]);
      cursor = next_cursor(cursor, large->mask);
    } while (cursor & (small->mask ^ large->mask));
    return cursor;
  }

  // A random element: a random non-empty bucket, then a random element of its chain.
  template <class Rng>
  std::pair<std::string_view, V*> random_entry(Rng& rng) {
    if (size() == 0) return {std::string_view(), nullptr};
    Node* head = nullptr;
    while (!head) {
      if (rehashing()) {
        size_t span = t_[0].capacity() + t_[1].capacity() - static_cast<size_t>(rehash_index_);
        size_t i = static_cast<size_t>(rehash_index_) + rng() % span;
        head = i >= t_[0].capacity() ? t_[1].buckets[i - t_[0].capacity()] : t_[0].buckets[i];
      } else {
        head = t_[0].buckets[rng() & t_[0].mask];
      }
    }
    size_t len = 0;
    for (Node* n = head; n; n = n->next) ++len;
    Node* pick = head;
    for (size_t skip = rng() % len; skip > 0; --skip) pick = pick->next;
    return {pick->key.plain_view(), &pick->value};
  }

  // Up to n elements from consecutive buckets starting at a random one (Redis's dictGetSomeKeys):
  // cheap sampling for active expiry and eviction. fn must not erase.
  template <class Rng, class F>
  void sample(size_t n, Rng& rng, F&& fn) {
    if (size() == 0 || n == 0) return;
    size_t taken = 0;
    size_t steps = n * 10;
    size_t start = rng();
    for (size_t j = 0; taken < n && j < steps; ++j) {
      for (Table& t : t_) {
        if (t.used == 0) continue;
        for (Node* node = t.buckets[(start + j) & t.mask]; node && taken < n; node = node->next) {
          fn(node->key.plain_view(), node->value);
          ++taken;
        }
      }
    }
  }

  // Bucket arrays and nodes with their keys' heap bytes (values account for their own).
  size_t memory_bytes() const {
    size_t bytes = (t_[0].capacity() + t_[1].capacity()) * sizeof(Node*);
    return bytes + size() * sizeof(Node);
  }

 private:
  struct Table {
    Node** buckets = nullptr;
    size_t mask = 0;
    size_t used = 0;
    size_t capacity() const { return buckets ? mask + 1 : 0; }
  };

  uint64_t hash(std::string_view key) const { return hash_bytes(key, seed_); }

  Node* find_node(std::string_view key) { return find_node(key, hash(key)); }
  Node* find_node(std::string_view key, uint64_t h) {
    for (int i = 0; i < 2; ++i) {
      const Table& t = t_[i];
      if (t.used == 0) {
        if (!rehashing()) break;
        continue;
      }
      for (Node* n = t.buckets[h & t.mask]; n; n = n->next)
        if (n->key.plain_view() == key) return n;
      if (!rehashing()) break;
    }
    return nullptr;
  }

  static uint64_t next_cursor(uint64_t v, uint64_t mask) {
    v |= ~mask;
    v = reverse_bits(v);
    ++v;
    return reverse_bits(v);
  }
  static uint64_t reverse_bits(uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ull) | ((v & 0x5555555555555555ull) << 1);
    v = ((v >> 2) & 0x3333333333333333ull) | ((v & 0x3333333333333333ull) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0Full) | ((v & 0x0F0F0F0F0F0F0F0Full) << 4);
    return __builtin_bswap64(v);
  }

  void start_rehash(size_t capacity) {
    Table next;
    next.buckets = static_cast<Node**>(allocate_zeroed(capacity, sizeof(Node*)));
    next.mask = capacity - 1;
    if (!t_[0].buckets) {
      t_[0] = next;
      return;
    }
    t_[1] = next;
    rehash_index_ = 0;
  }

  static size_t power_of_two_at_least(size_t n) {
    size_t c = 4;
    while (c < n) c <<= 1;
    return c;
  }

  void grow_if_needed() {
    if (rehashing()) return;
    if (t_[0].capacity() == 0) return start_rehash(4);
    if (t_[0].used >= t_[0].capacity()) start_rehash(power_of_two_at_least(t_[0].used + 1) * 2);
  }

  void shrink_if_needed() {
    if (rehashing() || t_[0].capacity() <= 4) return;
    if (t_[0].used * 10 < t_[0].capacity()) start_rehash(power_of_two_at_least(t_[0].used));
  }

  Table t_[2];
  long rehash_index_ = -1;
  uint64_t seed_;
};

}  // namespace eddy::compact
