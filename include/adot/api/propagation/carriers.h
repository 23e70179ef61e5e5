// Ready-made carriers: an HTTP-header style multimap, a non-owning view of headers, and the
// environment-variable carrier of the specification (context/env-carriers.md).
#pragma once

#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adot/api/propagation/text_map.h"

extern "C" char** environ;

namespace adot::api::propagation {

// An owning multimap of string pairs, in insertion order. Keys match ASCII case-insensitively
// (as HTTP header names do); a key may appear several times (repeated headers). Set replaces
// every earlier occurrence of the key.
class MapCarrier final : public TextMapGetter, public TextMapSetter {
 public:
  using Entries = std::vector<std::pair<std::string, std::string>>;

  MapCarrier() = default;
  MapCarrier(std::initializer_list<std::pair<std::string, std::string>> entries)
      : entries_(entries) {}
  explicit MapCarrier(Entries entries) : entries_(std::move(entries)) {}

  std::optional<std::string_view> Get(std::string_view key) const noexcept override {
    for (const auto& [k, v] : entries_)
      if (internal::EqualsIgnoreCase(k, key)) return std::string_view(v);
    return std::nullopt;
  }
  void GetAll(std::string_view key, StringVisitor visit) const noexcept override {
    for (const auto& [k, v] : entries_)
      if (internal::EqualsIgnoreCase(k, key) && !visit(v)) return;
  }
  void Keys(StringVisitor visit) const noexcept override {
    for (const auto& e : entries_)
      if (!visit(e.first)) return;
  }
  void Set(std::string_view key, std::string_view value) noexcept override {
    try {
      size_t out = 0;
      bool placed = false;
      for (size_t i = 0; i < entries_.size(); ++i) {
        if (internal::EqualsIgnoreCase(entries_[i].first, key)) {
          if (placed) continue;
          entries_[i].second.assign(value);
          placed = true;
        }
        if (out != i) entries_[out] = std::move(entries_[i]);
        ++out;
      }
      entries_.resize(out);
      if (!placed) entries_.emplace_back(std::string(key), std::string(value));
    } catch (...) {
    }
  }
  // Adds a value without removing earlier ones (a repeated header).
  void Add(std::string_view key, std::string_view value) {
    entries_.emplace_back(std::string(key), std::string(value));
  }
  void Clear() noexcept { entries_.clear(); }

  const Entries& entries() const noexcept { return entries_; }
  size_t size() const noexcept { return entries_.size(); }

 private:
  Entries entries_;
};

// A read-only view of headers someone else owns (e.g. a server framework's parsed request), with
// the same matching rules as MapCarrier. Copies nothing.
class HeaderViewCarrier final : public TextMapGetter {
 public:
  using Header = std::pair<std::string_view, std::string_view>;
  explicit HeaderViewCarrier(std::span<const Header> headers) noexcept : headers_(headers) {}

  std::optional<std::string_view> Get(std::string_view key) const noexcept override {
    for (const auto& [k, v] : headers_)
      if (internal::EqualsIgnoreCase(k, key)) return v;
    return std::nullopt;
  }
  void GetAll(std::string_view key, StringVisitor visit) const noexcept override {
    for (const auto& [k, v] : headers_)
      if (internal::EqualsIgnoreCase(k, key) && !visit(v)) return;
  }
  void Keys(StringVisitor visit) const noexcept override {
    for (const auto& h : headers_)
      if (!visit(h.first)) return;
  }

 private:
  std::span<const Header> headers_;
};

// The environment-variable carrier (specification context/env-carriers.md). Keys are normalised
// to upper case with every character other than A-Z, 0-9 replaced by '_' ("traceparent" ->
// "TRACEPARENT", "x-b3-traceid" -> "X_B3_TRACEID"); Get, Set and Keys use normalised names only.
//
// Reading: by default the process environment (getenv); or a given "NAME=value" list, e.g. an
// envp array or a test's fixed environment. Writing never touches the process environment: Set
// records the variable in variables(), ready to pass to a child process (this carrier does not
// spawn processes).
class EnvironmentCarrier final : public TextMapGetter, public TextMapSetter {
 public:
  // Reads the process environment.
  EnvironmentCarrier() = default;
  // Reads the given "NAME=value" strings instead.
  explicit EnvironmentCarrier(std::vector<std::string> environment)
      : environment_(std::move(environment)), use_process_env_(false) {}

  static std::string Normalize(std::string_view key) {
    std::string out(key);
    for (char& c : out) {
      if (c >= 'a' && c <= 'z') {
        c = char(c - 'a' + 'A');
      } else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
        c = '_';
      }
    }
    return out;
  }

  std::optional<std::string_view> Get(std::string_view key) const noexcept override {
    char name[128];
    if (key.size() >= sizeof(name)) return std::nullopt;
    NormalizeTo(key, name);
    std::string_view wanted(name, key.size());
    if (use_process_env_) {
      const char* v = std::getenv(name);
      if (!v) return std::nullopt;
      return std::string_view(v);
    }
    for (const std::string& e : environment_) {
      std::string_view entry(e);
      if (entry.size() > wanted.size() && entry[wanted.size()] == '=' &&
          entry.substr(0, wanted.size()) == wanted)
        return entry.substr(wanted.size() + 1);
    }
    return std::nullopt;
  }
  void Keys(StringVisitor visit) const noexcept override {
    auto report = [&](std::string_view entry) {
      size_t eq = entry.find('=');
      return eq == std::string_view::npos || eq == 0 ? true : visit(entry.substr(0, eq));
    };
    if (use_process_env_) {
      for (char** e = environ; e && *e; ++e)
        if (!report(*e)) return;
    } else {
      for (const std::string& e : environment_)
        if (!report(e)) return;
    }
  }
  void Set(std::string_view key, std::string_view value) noexcept override {
    try {
      std::string name = Normalize(key);
      for (auto& [k, v] : variables_) {
        if (k == name) {
          v.assign(value);
          return;
        }
      }
      variables_.emplace_back(std::move(name), std::string(value));
    } catch (...) {
    }
  }

  // What Set recorded: normalised name and value, in order of first Set.
  const std::vector<std::pair<std::string, std::string>>& variables() const noexcept {
    return variables_;
  }
  // The same as "NAME=value" strings, e.g. to append to a child's environment.
  std::vector<std::string> ToEnvironmentStrings() const {
    std::vector<std::string> out;
    out.reserve(variables_.size());
    for (const auto& [k, v] : variables_) out.push_back(k + "=" + v);
    return out;
  }

 private:
  static void NormalizeTo(std::string_view key, char* out) noexcept {
    for (size_t i = 0; i < key.size(); ++i) {
      char c = key[i];
      if (c >= 'a' && c <= 'z') {
        c = char(c - 'a' + 'A');
      } else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
        c = '_';
      }
      out[i] = c;
    }
    out[key.size()] = '\0';
  }

  std::vector<std::string> environment_;
  bool use_process_env_ = true;
  std::vector<std::pair<std::string, std::string>> variables_;
};

}  // namespace adot::api::propagation
