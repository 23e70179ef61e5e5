// gzip (RFC 1952) compression and bounded decompression with zlib.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace adot::common {

// Replaces out with the gzip encoding of in. Returns false only if zlib fails (out of memory).
// out's capacity is kept, so a caller reusing one buffer does not allocate per call.
// level: 1 (fastest) to 9 (smallest); anything else is zlib's default (6).
bool GzipCompress(std::string_view in, std::string& out, int level = 0);

enum class GunzipResult {
  kOk,
  kMalformed,  // not gzip, corrupt, truncated, or trailing bytes after the last member
  kTooLarge,   // the decompressed size would exceed max_size
};

// Replaces out with the decompression of in (one or more concatenated gzip members). Never
// produces more than max_size bytes, so a small "zip bomb" cannot exhaust memory.
GunzipResult GzipDecompress(std::string_view in, std::string& out, size_t max_size);

}  // namespace adot::common
