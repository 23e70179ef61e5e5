// Attribute values as the API accepts them: non-owning views, cheap to pass by value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace adot::api {

// One attribute value: bool, int64, double, string, or a homogeneous array of one of those.
// Strings and arrays are views: the caller keeps them alive for the duration of the call.
class AttributeValue {
 public:
  enum class Type : uint8_t {
    kBool,
    kInt64,
    kDouble,
    kString,
    kBoolArray,
    kInt64Array,
    kDoubleArray,
    kStringArray
  };

  AttributeValue() noexcept : type_(Type::kBool) { u_.b = false; }
  AttributeValue(bool v) noexcept : type_(Type::kBool) { u_.b = v; }
  template <class T,
            std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  AttributeValue(T v) noexcept : type_(Type::kInt64) {
    // Unsigned values above INT64_MAX cannot be represented in OTLP's int64: clamp.
    if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(int64_t)) {
      u_.i = v > static_cast<T>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(v);
    } else {
      u_.i = static_cast<int64_t>(v);
    }
  }
  AttributeValue(double v) noexcept : type_(Type::kDouble) { u_.d = v; }
  AttributeValue(float v) noexcept : type_(Type::kDouble) { u_.d = v; }
  AttributeValue(std::string_view v) noexcept : type_(Type::kString) { SetView(v.data(), v.size()); }
  AttributeValue(const char* v) noexcept : AttributeValue(std::string_view(v ? v : "")) {}
  AttributeValue(const std::string& v) noexcept : AttributeValue(std::string_view(v)) {}
  AttributeValue(std::span<const bool> v) noexcept : type_(Type::kBoolArray) {
    SetView(v.data(), v.size());
  }
  AttributeValue(std::span<const int64_t> v) noexcept : type_(Type::kInt64Array) {
    SetView(v.data(), v.size());
  }
  AttributeValue(std::span<const double> v) noexcept : type_(Type::kDoubleArray) {
    SetView(v.data(), v.size());
  }
  AttributeValue(std::span<const std::string_view> v) noexcept : type_(Type::kStringArray) {
    SetView(v.data(), v.size());
  }
  AttributeValue(const std::vector<int64_t>& v) noexcept
      : AttributeValue(std::span<const int64_t>(v)) {}
  AttributeValue(const std::vector<double>& v) noexcept
      : AttributeValue(std::span<const double>(v)) {}
  AttributeValue(const std::vector<std::string_view>& v) noexcept
      : AttributeValue(std::span<const std::string_view>(v)) {}

  Type type() const noexcept { return type_; }
  bool GetBool() const noexcept { return u_.b; }
  int64_t GetInt64() const noexcept { return u_.i; }
  double GetDouble() const noexcept { return u_.d; }
  std::string_view GetString() const noexcept {
    return {static_cast<const char*>(u_.view.data), u_.view.size};
  }
  std::span<const bool> GetBoolArray() const noexcept {
    return {static_cast<const bool*>(u_.view.data), u_.view.size};
  }
  std::span<const int64_t> GetInt64Array() const noexcept {
    return {static_cast<const int64_t*>(u_.view.data), u_.view.size};
  }
  std::span<const double> GetDoubleArray() const noexcept {
    return {static_cast<const double*>(u_.view.data), u_.view.size};
  }
  std::span<const std::string_view> GetStringArray() const noexcept {
    return {static_cast<const std::string_view*>(u_.view.data), u_.view.size};
  }

 private:
  void SetView(const void* data, size_t size) noexcept {
    u_.view.data = data;
    u_.view.size = size;
  }

  Type type_;
  union {
    bool b;
    int64_t i;
    double d;
    struct {
      const void* data;
      size_t size;
    } view;
  } u_;
};

struct KeyValue {
  std::string_view key;
  AttributeValue value;
};

// A read-only sequence of attributes. Built from a braced list it lives until the end of the full
// expression, so pass it straight into the call that uses it.
class AttributeView {
 public:
  AttributeView() noexcept = default;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winit-list-lifetime"
  // The list's array lives until the end of the caller's full expression, which is what a view
  // passed straight into a call needs.
  AttributeView(std::initializer_list<KeyValue> list) noexcept
      : data_(list.begin()), size_(list.size()) {}
#pragma GCC diagnostic pop
  AttributeView(std::span<const KeyValue> list) noexcept : data_(list.data()), size_(list.size()) {}
  AttributeView(const std::vector<KeyValue>& list) noexcept
      : data_(list.data()), size_(list.size()) {}

  const KeyValue* begin() const noexcept { return data_; }
  const KeyValue* end() const noexcept { return data_ + size_; }
  size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

 private:
  const KeyValue* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace adot::api
