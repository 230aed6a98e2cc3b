#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace eddy::compact {

// A binary-safe string in a 24-byte slot: up to 23 bytes inline (no allocation: most keys and
// many values), longer ones on the heap, and LZ4-compressed when the caller asks for it, the
// string is at least 64 bytes and compression saves at least an eighth.
class CompactString {
 public:
  static constexpr size_t kInlineCapacity = 23;

  CompactString() { clear_inline(); }
  explicit CompactString(std::string_view s, bool compress = false) {
    clear_inline();
    assign(s, compress);
  }
  CompactString(CompactString&& other) noexcept;
  CompactString& operator=(CompactString&& other) noexcept;
  CompactString(const CompactString&) = delete;
  CompactString& operator=(const CompactString&) = delete;
  ~CompactString() { release(); }

  CompactString clone() const;
  void assign(std::string_view s, bool compress = false);

  size_t size() const { return is_inline() ? inline_size() : heap_.size; }
  bool empty() const { return size() == 0; }
  bool is_inline() const { return tag() != kHeapTag; }
  bool is_compressed() const { return !is_inline() && heap_.stored != heap_.size; }

  // The bytes. Plain strings are viewed in place; a compressed one is decompressed into
  // `scratch`, which the view then points into.
  std::string_view view(std::string& scratch) const {
    if (is_inline()) return std::string_view(inline_, inline_size());
    if (!is_compressed()) return std::string_view(heap_.data, heap_.size);
    return decompress(scratch);
  }
  // Only for strings known not to be compressed (keys): no scratch needed.
  std::string_view plain_view() const {
    return is_inline() ? std::string_view(inline_, inline_size())
                       : std::string_view(heap_.data, heap_.size);
  }
  void append_to(std::string& out) const;
  std::string str() const;
  bool equals(std::string_view s) const;
  // Bytes the allocator gave this string beyond its slot (MEMORY USAGE, used_memory).
  size_t heap_bytes() const;

 private:
  // The last byte of the slot is the tag: the inline length, or kHeapTag.
  static constexpr uint8_t kHeapTag = 0xff;
  struct Heap {
    char* data;
    uint32_t size;    // logical length
    uint32_t stored;  // bytes at data (== size unless compressed)
    char pad[7];
    uint8_t tag;
  };

  uint8_t tag() const { return reinterpret_cast<const uint8_t*>(this)[23]; }
  size_t inline_size() const { return tag(); }
  void clear_inline() {
    for (char& c : inline_) c = 0;
    inline_tag_ = 0;
  }
  void release();
  std::string_view decompress(std::string& scratch) const;

  union {
    struct {
      char inline_[kInlineCapacity];
      uint8_t inline_tag_;
    };
    Heap heap_;
  };
};

static_assert(sizeof(CompactString) == 24);

}  // namespace eddy::compact
