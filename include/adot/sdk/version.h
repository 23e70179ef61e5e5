#pragma once

namespace adot::sdk {
inline constexpr char kVersion[] = "0.1.0";
}  // namespace adot::sdk
