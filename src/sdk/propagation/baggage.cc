#include "adot/sdk/propagation/baggage.h"

#include <algorithm>
#include <string>

#include "sdk/propagation/util.h"

namespace adot::sdk::propagation {

namespace {

using api::baggage::Baggage;
using internal::IsOws;
using internal::IsToken;
using internal::TrimOws;

bool IsBaggageValue(std::string_view s) noexcept {
  for (char c : s)
    if (!internal::kChars.baggage_octet[static_cast<unsigned char>(c)]) return false;
  return true;
}

// property = key OWS "=" OWS value / key OWS. Checks one property.
bool IsValidProperty(std::string_view p) noexcept {
  p = TrimOws(p);
  size_t eq = p.find('=');
  if (eq == std::string_view::npos) return IsToken(p);
  return IsToken(TrimOws(p.substr(0, eq))) && IsBaggageValue(TrimOws(p.substr(eq + 1)));
}

// Parses one list-member into entry. False when malformed.
bool ParseMember(std::string_view member, Baggage::Entry& entry) {
  std::string_view properties;
  size_t semi = member.find(';');
  if (semi != std::string_view::npos) {
    properties = member.substr(semi + 1);
    member = member.substr(0, semi);
  }
  size_t eq = member.find('=');
  if (eq == std::string_view::npos) return false;
  std::string_view key = TrimOws(member.substr(0, eq));
  std::string_view value = TrimOws(member.substr(eq + 1));
  if (!IsToken(key) || !IsBaggageValue(value)) return false;
  properties = TrimOws(properties);
  if (!properties.empty()) {
    size_t pos = 0;
    while (pos <= properties.size()) {
      size_t next = properties.find(';', pos);
      if (next == std::string_view::npos) next = properties.size();
      if (!IsValidProperty(properties.substr(pos, next - pos))) return false;
      pos = next + 1;
    }
  }
  entry.key.assign(key);
  entry.value.clear();
  internal::PercentDecodeUtf8(value, entry.value);
  entry.metadata.assign(properties);
  return true;
}

}  // namespace

void BaggagePropagator::Parse(std::string_view header, std::vector<Baggage::Entry>& entries,
                              size_t& total_bytes) {
  if (entries.capacity() == entries.size()) {
    size_t members = 1;
    for (size_t c = header.find(','); c != std::string_view::npos; c = header.find(',', c + 1))
      ++members;
    entries.reserve(entries.size() + std::min(members, kMaxMembers));
  }
  size_t pos = 0;
  while (pos < header.size() && entries.size() < kMaxMembers) {
    size_t comma = header.find(',', pos);
    if (comma == std::string_view::npos) comma = header.size();
    std::string_view member = TrimOws(header.substr(pos, comma - pos));
    pos = comma + 1;
    if (member.empty() || member.size() > kMaxMemberBytes) continue;
    if (total_bytes + member.size() > kMaxTotalBytes) continue;
    Baggage::Entry& entry = entries.emplace_back();
    if (!ParseMember(member, entry)) {
      entries.pop_back();
      continue;
    }
    total_bytes += member.size();
    // A repeated key: the last value wins, in the first one's place.
    const std::string& key = entry.key;
    for (size_t i = 0; i + 1 < entries.size(); ++i) {
      const std::string& k = entries[i].key;
      if (k.size() == key.size() && k[0] == key[0] && k.back() == key.back() && k == key) {
        entries[i] = std::move(entry);
        entries.pop_back();
        break;
      }
    }
  }
}

void BaggagePropagator::Serialize(const Baggage& baggage, std::string& out) {
  size_t members = 0, start = out.size();
  for (const auto& e : baggage) {
    if (members == kMaxMembers) break;
    if (!IsToken(e.key)) continue;
    size_t before = out.size();
    if (before != start) out.push_back(',');
    size_t member_start = out.size();
    out.append(e.key).push_back('=');
    internal::PercentEncode(e.value, internal::kChars.baggage_octet, out);
    if (!e.metadata.empty()) out.append(1, ';').append(e.metadata);
    size_t member_size = out.size() - member_start;
    if (member_size > kMaxMemberBytes || out.size() - start > kMaxTotalBytes) {
      out.resize(before);  // whole members only
      continue;
    }
    ++members;
  }
}

void BaggagePropagator::Inject(const api::Context& context,
                               api::propagation::TextMapSetter& carrier) const noexcept {
  const Baggage* baggage = context.GetValuePtr<Baggage>(api::baggage::BaggageContextKey());
  if (!baggage || baggage->empty()) return;
  try {
    std::string header;
    header.reserve(256);
    Serialize(*baggage, header);
    if (!header.empty()) carrier.Set(kHeader, header);
  } catch (...) {
  }
}

api::Context BaggagePropagator::Extract(
    const api::Context& context, const api::propagation::TextMapGetter& carrier) const noexcept {
  try {
    std::vector<Baggage::Entry> entries;
    size_t total_bytes = 0;
    carrier.GetAll(kHeader, [&](std::string_view v) {
      Parse(v, entries, total_bytes);
      return true;
    });
    if (entries.empty()) return context;
    return api::baggage::ContextWithBaggage(context,
                                            std::make_shared<const Baggage>(std::move(entries)));
  } catch (...) {
    return context;
  }
}

}  // namespace adot::sdk::propagation
