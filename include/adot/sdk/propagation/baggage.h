// W3C Baggage (the "baggage" header), registry name "baggage".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "adot/api/baggage.h"
#include "adot/api/propagation/text_map.h"

namespace adot::sdk::propagation {

class BaggagePropagator final : public api::propagation::TextMapPropagator {
 public:
  static constexpr std::string_view kHeader = "baggage";
  // Limits applied on both extract and inject (whole members are dropped, never parts). They are
  // above the W3C minimum of 64 members / 8192 bytes that must always be propagated.
  static constexpr size_t kMaxMembers = 180;
  static constexpr size_t kMaxMemberBytes = 4096;
  static constexpr size_t kMaxTotalBytes = 8192;

  void Inject(const api::Context& context,
              api::propagation::TextMapSetter& carrier) const noexcept override;
  api::Context Extract(const api::Context& context,
                       const api::propagation::TextMapGetter& carrier) const noexcept override;
  std::vector<std::string_view> Fields() const override { return {kHeader}; }

  // The header value for baggage (empty when nothing can be sent). Appends to out.
  static void Serialize(const api::baggage::Baggage& baggage, std::string& out);
  // Parses one or more baggage header values into entries appended to entries (malformed members
  // are dropped); total_bytes counts the bytes of accepted members against kMaxTotalBytes.
  static void Parse(std::string_view header, std::vector<api::baggage::Baggage::Entry>& entries,
                    size_t& total_bytes);
};

}  // namespace adot::sdk::propagation
