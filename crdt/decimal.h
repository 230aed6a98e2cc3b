#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eddy::crdt {

// Exact decimal arithmetic for counter lanes: INCRBYFLOAT must give byte-identical results on
// every replica and platform, which long double cannot promise. A value is coeff / 10^scale with
// at most kMaxScale decimals (Redis prints INCRBYFLOAT results with %.17Lf, so 17 decimals is
// what a user can ever see) and is kept canonical (no trailing zero decimals) so that equal
// values are equal bytes.
class Decimal {
 public:
  static constexpr int kMaxScale = 17;

  Decimal() = default;
  static Decimal from_int(int64_t v) { return Decimal(v, 0); }
  // The float syntax Redis accepts for INCRBYFLOAT: [+-]digits[.digits][e[+-]n], and strtold's
  // hexadecimal [+-]0x<hex>[.<hex>][p[+-]n].
  // Nothing for text that is not a finite decimal number within range.
  static std::optional<Decimal> parse(std::string_view text);
  // True if `text` spells an infinity as strtold reads it ("inf", "+Infinity", ...).
  static bool is_infinity_text(std::string_view text);

  std::optional<Decimal> add(const Decimal& other) const;
  std::optional<Decimal> sub(const Decimal& other) const;
  Decimal negated() const { return Decimal(-coeff_, scale_); }

  bool is_integer() const { return scale_ == 0; }
  std::optional<int64_t> to_int64() const;
  bool is_zero() const { return coeff_ == 0; }
  // Redis's human form: no exponent, no trailing zeros, never "-0".
  std::string format() const;

  __int128 coefficient() const { return coeff_; }
  int scale() const { return scale_; }
  static Decimal from_parts(__int128 coeff, int scale) { return Decimal(coeff, scale).normalized(); }

  friend bool operator==(const Decimal&, const Decimal&) = default;

 private:
  Decimal(__int128 c, int s) : coeff_(c), scale_(static_cast<uint8_t>(s)) {}
  Decimal normalized() const;
  static std::optional<Decimal> parse_hex(std::string_view digits, bool negative);

  __int128 coeff_ = 0;
  uint8_t scale_ = 0;
};

}  // namespace eddy::crdt
