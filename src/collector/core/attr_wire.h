// Attribute actions applied to OTLP protobuf bytes without decoding them: the attributes
// processor's fast path for the common actions (insert, update and upsert of a literal value, and
// delete by key) on span and log record attributes. The request is rewritten in one pass over its
// bytes, so the batch stays in its encoded form (no protobuf decode, arena or re-encode).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collector/core/attr_actions.h"
#include "collector/core/pdata.h"

namespace adot::collector {

class WireAttrActions {
 public:
  // The actions in their wire form; nullopt when one of them is not handled here (hash, extract,
  // convert, from_attribute, a key pattern), and then the decoded path applies them.
  static std::optional<WireAttrActions> Compile(const std::vector<AttrAction>& actions);

  // Rewrites an Export{Trace,Logs}ServiceRequest's bytes into `out` with the actions applied to
  // every span's / log record's attributes, with the semantics of ApplyAttrActions (the first
  // attribute with the key is the one updated; new ones are appended; delete removes every one).
  // False for metrics, and when the bytes hold something this path does not reproduce exactly
  // (malformed input, a KeyValue with repeated or unknown fields): the caller then decodes.
  bool Apply(Signal signal, std::string_view in, std::string& out) const;

 private:
  struct Action {
    AttrAction::Type type;
    std::string key;
    std::string value;  // the encoded AnyValue
  };
  std::vector<Action> actions_;
};

}  // namespace adot::collector
