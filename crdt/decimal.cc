#include "crdt/decimal.h"

#include <algorithm>
#include <cctype>

namespace eddy::crdt {
namespace {

constexpr __int128 kMax = (static_cast<__int128>(1) << 126);  // headroom for one addition

std::optional<__int128> pow10(int n) {
  __int128 p = 1;
  for (int i = 0; i < n; ++i) {
    if (p > kMax / 10) return std::nullopt;
    p *= 10;
  }
  return p;
}

// Divides by 10^n rounding half to even, as the final rounding of a printf would.
__int128 round_div_pow10(__int128 v, int n) {
  bool negative = v < 0;
  if (negative) v = -v;
  __int128 divisor = *pow10(std::min(n, 38));
  __int128 q = v / divisor, r = v % divisor;
  __int128 twice = r * 2;
  if (twice > divisor || (twice == divisor && (q & 1))) ++q;
  return negative ? -q : q;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  return true;
}

}  // namespace

Decimal Decimal::normalized() const {
  Decimal d = *this;
  while (d.scale_ > 0 && d.coeff_ % 10 == 0) {
    d.coeff_ /= 10;
    --d.scale_;
  }
  return d;
}

bool Decimal::is_infinity_text(std::string_view t) {
  if (!t.empty() && (t[0] == '+' || t[0] == '-')) t.remove_prefix(1);
  return equals_ignore_case(t, "inf") || equals_ignore_case(t, "infinity");
}

// strtold's hexadecimal form, 0x<hex>[.<hex>][p<exp>]: exact when the value is an integer or a
// dyadic fraction that fits the decimal scale.
std::optional<Decimal> Decimal::parse_hex(std::string_view t, bool negative) {
  __int128 mantissa = 0;
  int exponent = 0, digits = 0;
  bool seen_point = false;
  size_t i = 0;
  for (; i < t.size(); ++i) {
    char c = t[i];
    if (c == '.' && !seen_point) {
      seen_point = true;
      continue;
    }
    int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                     : -1;
    if (v < 0) break;
    if (mantissa > kMax / 16) return std::nullopt;
    mantissa = mantissa * 16 + v;
    ++digits;
    if (seen_point) exponent -= 4;
  }
  if (digits == 0) return std::nullopt;
  if (i < t.size() && (t[i] == 'p' || t[i] == 'P')) {
    ++i;
    bool exp_negative = false;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) exp_negative = t[i++] == '-';
    int e = 0;
    size_t start = i;
    for (; i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])); ++i)
      if ((e = e * 10 + (t[i] - '0')) > 100000) return std::nullopt;
    if (i == start) return std::nullopt;
    exponent += exp_negative ? -e : e;
  }
  if (i != t.size()) return std::nullopt;
  for (; exponent > 0; --exponent) {
    if (mantissa > kMax / 2) return std::nullopt;
    mantissa *= 2;
  }
  // m / 2^k = m * 5^k / 10^k.
  int scale = 0;
  for (; exponent < 0; ++exponent, ++scale) {
    if (mantissa > kMax / 5 || scale == kMaxScale) return std::nullopt;
    mantissa *= 5;
  }
  return Decimal(negative ? -mantissa : mantissa, scale).normalized();
}

std::optional<Decimal> Decimal::parse(std::string_view t) {
  size_t i = 0;
  bool negative = false;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) negative = t[i++] == '-';
  if (t.size() - i > 2 && t[i] == '0' && (t[i + 1] == 'x' || t[i + 1] == 'X'))
    return parse_hex(t.substr(i + 2), negative);
  __int128 coeff = 0;
  int digits = 0, frac_digits = 0, dropped_int_digits = 0;
  bool seen_point = false;
  bool nonzero_dropped = false;
  for (; i < t.size(); ++i) {
    char c = t[i];
    if (c == '.' && !seen_point) {
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9') break;
    ++digits;
    if (coeff <= kMax / 10) {
      coeff = coeff * 10 + (c - '0');
      if (seen_point) ++frac_digits;
    } else if (!seen_point) {
      ++dropped_int_digits;  // too many digits for exactness before the point
      nonzero_dropped |= c != '0';
    } else {
      nonzero_dropped |= c != '0';  // beyond our precision after the point: rounds away
    }
  }
  if (digits == 0) return std::nullopt;
  if (dropped_int_digits > 0 && nonzero_dropped) return std::nullopt;
  int64_t exponent = 0;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) exp_negative = t[i++] == '-';
    size_t start = i;
    for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i) {
      if (exponent < 100000) exponent = exponent * 10 + (t[i] - '0');
    }
    if (i == start) return std::nullopt;
    if (exp_negative) exponent = -exponent;
  }
  if (i != t.size()) return std::nullopt;
  // value = coeff * 10^(exponent + dropped - frac)
  int64_t shift = exponent + dropped_int_digits - frac_digits;
  if (shift >= 0) {
    auto p = pow10(static_cast<int>(std::min<int64_t>(shift, 40)));
    if (!p || (coeff != 0 && coeff > kMax / *p)) return std::nullopt;
    coeff *= *p;
    shift = 0;
  }
  int scale = static_cast<int>(-shift);
  if (scale > kMaxScale) {
    coeff = scale - kMaxScale > 38 ? 0 : round_div_pow10(coeff, scale - kMaxScale);
    scale = kMaxScale;
  }
  if (negative) coeff = -coeff;
  return Decimal(coeff, scale).normalized();
}

std::optional<Decimal> Decimal::add(const Decimal& o) const {
  int scale = std::max(scale_, o.scale_);
  __int128 a = coeff_, b = o.coeff_;
  auto pa = pow10(scale - scale_), pb = pow10(scale - o.scale_);
  if (a > kMax / *pa || a < -kMax / *pa || b > kMax / *pb || b < -kMax / *pb) return std::nullopt;
  a *= *pa;
  b *= *pb;
  __int128 sum = a + b;
  if (sum > kMax || sum < -kMax) return std::nullopt;
  return Decimal(sum, scale).normalized();
}

std::optional<Decimal> Decimal::sub(const Decimal& o) const { return add(o.negated()); }

std::optional<int64_t> Decimal::to_int64() const {
  if (scale_ != 0 || coeff_ > INT64_MAX || coeff_ < INT64_MIN) return std::nullopt;
  return static_cast<int64_t>(coeff_);
}

std::string Decimal::format() const {
  __int128 v = coeff_ < 0 ? -coeff_ : coeff_;
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  } while (v != 0);
  while (static_cast<int>(digits.size()) <= scale_) digits.push_back('0');
  std::string out;
  if (coeff_ < 0) out.push_back('-');
  for (size_t i = digits.size(); i-- > 0;) {
    out.push_back(digits[i]);
    if (i == static_cast<size_t>(scale_) && scale_ > 0) out.push_back('.');
  }
  return out;
}

}  // namespace eddy::crdt
