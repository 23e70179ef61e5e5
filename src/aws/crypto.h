// SHA-256 and HMAC-SHA256 on OpenSSL libcrypto, and hex.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace adot::aws::internal {

using Digest = std::array<uint8_t, 32>;

Digest Sha256(std::string_view data);
Digest HmacSha256(std::string_view key, std::string_view data);
std::string Hex(const Digest& digest);
inline std::string_view AsBytes(const Digest& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

}  // namespace adot::aws::internal
