#include "collector/core/attr_wire.h"

#include "common/proto_writer.h"

namespace adot::collector {
namespace {

using common::proto::LengthDelimitedFieldSize;
using common::proto::ProtoReader;
using common::proto::ProtoWriter;
using common::proto::VarintSize;
using common::proto::WireType;

// One attribute of an item while the actions run: the KeyValue as it arrived, or as an action made it.
struct Attr {
  std::string_view raw;    // the original KeyValue payload, written as is while unchanged
  std::string_view key;
  std::string_view value;  // encoded AnyValue
  bool changed = false;
  bool deleted = false;
};

// Splits a KeyValue payload. False unless it is exactly {key = 1, value = 2}, each at most once:
// anything else (protobuf's last-one-wins / merge rules, unknown fields) is left to the decoder.
bool SplitKeyValue(std::string_view kv, std::string_view& key, std::string_view& value) {
  ProtoReader r(kv);
  ProtoReader::Field f;
  bool has_key = false, has_value = false;
  key = {};
  value = {};
  while (r.Next(f)) {
    if (f.type != WireType::kLengthDelimited) return false;
    if (f.number == 1 && !has_key) {
      key = f.bytes;
      has_key = true;
    } else if (f.number == 2 && !has_value) {
      value = f.bytes;
      has_value = true;
    } else {
      return false;
    }
  }
  return r.ok();
}

void CopyField(const ProtoReader::Field& f, ProtoWriter& w) {
  switch (f.type) {
    case WireType::kVarint:
      w.AppendTag(f.number, f.type);
      w.AppendVarint(f.value);
      break;
    case WireType::kFixed64:
      w.AppendTag(f.number, f.type);
      w.AppendFixed64(f.value);
      break;
    case WireType::kFixed32:
      w.AppendTag(f.number, f.type);
      w.AppendFixed32(static_cast<uint32_t>(f.value));
      break;
    case WireType::kLengthDelimited:
      w.WriteBytes(f.number, f.bytes.data(), f.bytes.size());
      break;
    case WireType::kStartGroup:
    case WireType::kEndGroup:
      break;  // ProtoReader rejects groups: never reached
  }
}

void WriteAttr(const Attr& a, uint32_t field, ProtoWriter& w) {
  if (!a.changed) {
    w.WriteBytes(field, a.raw.data(), a.raw.size());
    return;
  }
  w.WriteLengthDelimitedHeader(field, LengthDelimitedFieldSize(1, a.key.size()) + LengthDelimitedFieldSize(2, a.value.size()));
  w.WriteString(1, a.key);
  w.WriteBytes(2, a.value.data(), a.value.size());
}

Attr* FirstWithKey(std::vector<Attr>& attrs, std::string_view key) {
  for (auto& a : attrs)
    if (!a.deleted && a.key == key) return &a;
  return nullptr;
}

}  // namespace

std::optional<WireAttrActions> WireAttrActions::Compile(const std::vector<AttrAction>& actions) {
  using T = AttrAction::Type;
  WireAttrActions out;
  for (const auto& a : actions) {
    if (a.pattern || a.key.empty()) return std::nullopt;
    if ((a.type == T::kInsert || a.type == T::kUpdate || a.type == T::kUpsert) && a.value && a.from_attribute.empty())
      out.actions_.push_back({a.type, a.key, a.value->SerializeAsString()});
    else if (a.type == T::kDelete)
      out.actions_.push_back({a.type, a.key, {}});
    else
      return std::nullopt;
  }
  return out;
}

bool WireAttrActions::Apply(Signal signal, std::string_view in, std::string& out) const {
  // From the request down to the items, and the items' attributes field.
  static const uint32_t kSpanPath[] = {1, 2, 2};  // resource_spans, scope_spans, spans
  static const uint32_t kLogPath[] = {1, 2, 2};   // resource_logs, scope_logs, log_records
  const uint32_t* path;
  uint32_t attr_field;
  switch (signal) {
    case Signal::kTraces: path = kSpanPath; attr_field = 9; break;
    case Signal::kLogs: path = kLogPath; attr_field = 6; break;
    default: return false;
  }
  std::vector<Attr> attrs;

  // One item: its attributes collected, the actions run on them, the item written again.
  auto write_item = [&](std::string_view item, ProtoWriter& w) -> bool {
    attrs.clear();
    ProtoReader r(item);
    ProtoReader::Field f;
    while (r.Next(f)) {
      if (f.number != attr_field) continue;
      Attr a;
      a.raw = f.bytes;
      if (f.type != WireType::kLengthDelimited || !SplitKeyValue(f.bytes, a.key, a.value)) return false;
      attrs.push_back(a);
    }
    if (!r.ok()) return false;
    for (const auto& act : actions_) {
      if (act.type == AttrAction::Type::kDelete) {
        for (auto& a : attrs)
          if (a.key == act.key) a.deleted = true;
        continue;
      }
      Attr* existing = FirstWithKey(attrs, act.key);
      if (existing && act.type != AttrAction::Type::kInsert) {
        existing->value = act.value;
        existing->changed = true;
      } else if (!existing && act.type != AttrAction::Type::kUpdate) {
        Attr a;
        a.key = act.key;
        a.value = act.value;
        a.changed = true;
        attrs.push_back(a);
      }
    }
    ProtoReader again(item);
    size_t next = 0;
    while (again.Next(f)) {
      if (f.number != attr_field) {
        CopyField(f, w);
        continue;
      }
      const Attr& a = attrs[next++];
      if (!a.deleted) WriteAttr(a, attr_field, w);
    }
    for (; next < attrs.size(); ++next)
      if (!attrs[next].deleted) WriteAttr(attrs[next], attr_field, w);
    return true;
  };

  // The levels above the items: their other fields copied, the path's messages rewritten in place
  // (the length is written after the content; its size guessed from the original's).
  auto write_level = [&](auto& self, std::string_view msg, int depth, ProtoWriter& w) -> bool {
    ProtoReader r(msg);
    ProtoReader::Field f;
    while (r.Next(f)) {
      if (f.number != path[depth]) {
        CopyField(f, w);
        continue;
      }
      if (f.type != WireType::kLengthDelimited) return false;
      auto mark = w.BeginMessage(f.number, static_cast<uint32_t>(VarintSize(f.bytes.size())));
      bool ok = depth == 2 ? write_item(f.bytes, w) : self(self, f.bytes, depth + 1, w);
      if (!ok) return false;
      w.EndMessage(mark);
    }
    return r.ok();
  };

  out.clear();
  out.reserve(in.size() + in.size() / 8 + 64);
  ProtoWriter w(out);
  bool ok = write_level(write_level, in, 0, w);
  w.Finish();
  return ok;
}

}  // namespace adot::collector
