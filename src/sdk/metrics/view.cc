#include "adot/sdk/metrics/view.h"

#include "adot/api/propagation/text_map.h"

namespace adot::sdk::metrics {

bool WildcardMatch(std::string_view pattern, std::string_view name) noexcept {
  using api::propagation::internal::AsciiLower;
  // Greedy matching with backtracking to the last '*': linear in practice, no recursion.
  size_t p = 0, n = 0, star = std::string_view::npos, resume = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || AsciiLower(pattern[p]) == AsciiLower(name[n]))) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace adot::sdk::metrics
