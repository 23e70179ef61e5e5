// Identifiers and the immutable SpanContext carried across process boundaries.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace adot::api::trace {

namespace internal {
inline constexpr char kHexDigits[] = "0123456789abcdef";
inline int HexValue(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace internal

// A fixed-size id (16 bytes for traces, 8 for spans). All zero means invalid.
template <size_t N>
class Id {
 public:
  static constexpr size_t kSize = N;

  constexpr Id() noexcept : bytes_{} {}
  explicit Id(const uint8_t (&bytes)[N]) noexcept { std::memcpy(bytes_.data(), bytes, N); }
  explicit Id(const std::array<uint8_t, N>& bytes) noexcept : bytes_(bytes) {}

  static Id FromBytes(const uint8_t* bytes) noexcept {
    Id id;
    std::memcpy(id.bytes_.data(), bytes, N);
    return id;
  }
  // Parses exactly 2*N hex digits (either case). Returns an invalid id on any error.
  static Id FromHex(std::string_view hex) noexcept {
    Id id;
    if (hex.size() != 2 * N) return Id();
    for (size_t i = 0; i < N; ++i) {
      int hi = internal::HexValue(hex[2 * i]), lo = internal::HexValue(hex[2 * i + 1]);
      if (hi < 0 || lo < 0) return Id();
      id.bytes_[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return id;
  }

  bool IsValid() const noexcept {
    uint64_t words[N / 8];
    std::memcpy(words, bytes_.data(), N);
    uint64_t any = 0;
    for (uint64_t w : words) any |= w;
    return any != 0;
  }
  const uint8_t* data() const noexcept { return bytes_.data(); }
  uint8_t* data() noexcept { return bytes_.data(); }
  const std::array<uint8_t, N>& bytes() const noexcept { return bytes_; }

  // Writes 2*N lowercase hex digits to out.
  void ToHex(char* out) const noexcept {
    for (size_t i = 0; i < N; ++i) {
      out[2 * i] = internal::kHexDigits[bytes_[i] >> 4];
      out[2 * i + 1] = internal::kHexDigits[bytes_[i] & 0xf];
    }
  }
  std::string ToHex() const {
    std::string s(2 * N, '0');
    ToHex(s.data());
    return s;
  }

  friend bool operator==(const Id& a, const Id& b) noexcept { return a.bytes_ == b.bytes_; }
  friend bool operator<(const Id& a, const Id& b) noexcept { return a.bytes_ < b.bytes_; }

 private:
  std::array<uint8_t, N> bytes_;
};

using TraceId = Id<16>;
using SpanId = Id<8>;

// W3C trace flags: bit 0 sampled, bit 1 random trace id (Level 2); other bits reserved.
class TraceFlags {
 public:
  static constexpr uint8_t kSampled = 0x01;
  static constexpr uint8_t kRandom = 0x02;

  constexpr TraceFlags() noexcept = default;
  constexpr explicit TraceFlags(uint8_t bits) noexcept : bits_(bits) {}
  constexpr bool IsSampled() const noexcept { return bits_ & kSampled; }
  constexpr bool IsRandom() const noexcept { return bits_ & kRandom; }
  constexpr uint8_t bits() const noexcept { return bits_; }
  friend constexpr bool operator==(TraceFlags a, TraceFlags b) noexcept {
    return a.bits_ == b.bits_;
  }

 private:
  uint8_t bits_ = 0;
};

// W3C tracestate: an immutable, ordered list of vendor key/value pairs (at most 32).
class TraceState {
 public:
  static constexpr size_t kMaxMembers = 32;

  TraceState() = default;

  // Parses a tracestate header. A header that breaks the grammar or has more than 32 members
  // yields an empty state, as W3C Trace Context requires.
  static std::shared_ptr<const TraceState> FromHeader(std::string_view header);

  static bool IsValidKey(std::string_view key) noexcept;
  static bool IsValidValue(std::string_view value) noexcept;

  // Returns the value for key, or an empty view when absent.
  std::string_view Get(std::string_view key) const noexcept {
    for (const auto& [k, v] : entries_)
      if (k == key) return v;
    return {};
  }
  // Returns a new state with key set to value, moved to the front (W3C mutation rule). Invalid keys
  // or values leave the state unchanged.
  std::shared_ptr<const TraceState> Set(std::string_view key, std::string_view value) const;
  std::shared_ptr<const TraceState> Delete(std::string_view key) const;

  bool empty() const noexcept { return entries_.empty(); }
  const std::vector<std::pair<std::string, std::string>>& entries() const noexcept {
    return entries_;
  }
  std::string ToHeader() const;

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

inline bool TraceState::IsValidKey(std::string_view key) noexcept {
  if (key.empty() || key.size() > 256) return false;
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_or_digit(key[0])) return false;
  for (char c : key.substr(1)) {
    if (!lower_or_digit(c) && c != '_' && c != '-' && c != '*' && c != '/' && c != '@') return false;
  }
  return true;
}

inline bool TraceState::IsValidValue(std::string_view value) noexcept {
  if (value.empty() || value.size() > 256 || value.back() == ' ') return false;
  for (char c : value) {
    if (c < 0x20 || c > 0x7e || c == ',' || c == '=') return false;
  }
  return true;
}

inline std::shared_ptr<const TraceState> TraceState::FromHeader(std::string_view header) {
  auto state = std::make_shared<TraceState>();
  auto is_ows = [](char c) { return c == ' ' || c == '\t'; };
  size_t pos = 0;
  while (pos <= header.size()) {
    size_t comma = header.find(',', pos);
    if (comma == std::string_view::npos) comma = header.size();
    std::string_view member = header.substr(pos, comma - pos);
    while (!member.empty() && is_ows(member.front())) member.remove_prefix(1);
    while (!member.empty() && is_ows(member.back())) member.remove_suffix(1);
    if (!member.empty()) {
      size_t eq = member.find('=');
      if (eq == std::string_view::npos) return std::make_shared<TraceState>();
      std::string_view key = member.substr(0, eq), value = member.substr(eq + 1);
      if (!IsValidKey(key) || !IsValidValue(value)) return std::make_shared<TraceState>();
      if (state->entries_.size() == kMaxMembers) return std::make_shared<TraceState>();
      state->entries_.emplace_back(key, value);
    }
    pos = comma + 1;
  }
  return state;
}

inline std::shared_ptr<const TraceState> TraceState::Set(std::string_view key,
                                                         std::string_view value) const {
  if (!IsValidKey(key) || !IsValidValue(value)) return std::make_shared<TraceState>(*this);
  auto state = std::make_shared<TraceState>();
  state->entries_.reserve(entries_.size() + 1);
  state->entries_.emplace_back(key, value);
  for (const auto& e : entries_) {
    if (e.first != key && state->entries_.size() < kMaxMembers) state->entries_.push_back(e);
  }
  return state;
}

inline std::shared_ptr<const TraceState> TraceState::Delete(std::string_view key) const {
  auto state = std::make_shared<TraceState>();
  for (const auto& e : entries_)
    if (e.first != key) state->entries_.push_back(e);
  return state;
}

inline std::string TraceState::ToHeader() const {
  std::string out;
  for (const auto& [k, v] : entries_) {
    if (!out.empty()) out += ',';
    out.append(k).append(1, '=').append(v);
  }
  return out;
}

// The part of a span that crosses process boundaries. Immutable.
class SpanContext {
 public:
  SpanContext() noexcept = default;
  SpanContext(TraceId trace_id, SpanId span_id, TraceFlags flags, bool is_remote,
              std::shared_ptr<const TraceState> trace_state = nullptr) noexcept
      : trace_id_(trace_id),
        span_id_(span_id),
        flags_(flags),
        is_remote_(is_remote),
        trace_state_(std::move(trace_state)) {}

  const TraceId& trace_id() const noexcept { return trace_id_; }
  const SpanId& span_id() const noexcept { return span_id_; }
  TraceFlags trace_flags() const noexcept { return flags_; }
  bool IsSampled() const noexcept { return flags_.IsSampled(); }
  bool IsRemote() const noexcept { return is_remote_; }
  bool IsValid() const noexcept { return trace_id_.IsValid() && span_id_.IsValid(); }
  // Never null-dereferencing: an absent state reads as empty.
  const TraceState& trace_state() const noexcept {
    static const TraceState kEmpty;
    return trace_state_ ? *trace_state_ : kEmpty;
  }
  const std::shared_ptr<const TraceState>& trace_state_ptr() const noexcept {
    return trace_state_;
  }

  friend bool operator==(const SpanContext& a, const SpanContext& b) noexcept {
    return a.trace_id_ == b.trace_id_ && a.span_id_ == b.span_id_ && a.flags_ == b.flags_ &&
           a.is_remote_ == b.is_remote_;
  }

 private:
  TraceId trace_id_;
  SpanId span_id_;
  TraceFlags flags_;
  bool is_remote_ = false;
  std::shared_ptr<const TraceState> trace_state_;
};

}  // namespace adot::api::trace
