// Text shared by the console span and metric exporters: attribute values and attribute lists.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <variant>
#include <vector>

#include "adot/sdk/common/attribute_value.h"

namespace adot::exporters::console::internal {

struct ValueFormatter {
  std::string& out;
  void operator()(bool v) { out += v ? "true" : "false"; }
  void operator()(int64_t v) { out += std::to_string(v); }
  void operator()(double v) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%g", v);
    out += buf;
  }
  void operator()(const std::string& v) { out.append(1, '"').append(v).append(1, '"'); }
  template <class T>
  void operator()(const std::vector<T>& v) {
    out += '[';
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) out += ", ";
      (*this)(static_cast<T>(v[i]));
    }
    out += ']';
  }
};

inline void AppendValue(std::string& out, const sdk::OwnedAttributeValue& value) {
  std::visit(ValueFormatter{out}, value);
}

// One "<indent>key = value" line per attribute, then "(N dropped)" when dropped is not 0.
inline void AppendAttributes(std::string& out, const char* indent,
                             const sdk::OwnedAttributes& attributes, uint32_t dropped) {
  for (const auto& kv : attributes) {
    out.append(indent).append(kv.key).append(" = ");
    AppendValue(out, kv.value);
    out += '\n';
  }
  if (dropped) out.append(indent).append("(" + std::to_string(dropped) + " dropped)\n");
}

}  // namespace adot::exporters::console::internal
