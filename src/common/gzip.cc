#include "common/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <climits>

namespace adot::common {
namespace {

// zlib counts in uInt (32 bits): larger buffers are fed in chunks.
constexpr size_t kMaxChunk = UINT_MAX;
// windowBits 15 + 16 selects the gzip wrapper instead of zlib's.
constexpr int kGzipWindowBits = 15 + 16;

class DeflateStream {
 public:
  explicit DeflateStream(int level) {
    ok_ = deflateInit2(&zs_, level, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~DeflateStream() {
    if (ok_) deflateEnd(&zs_);
  }
  DeflateStream(const DeflateStream&) = delete;
  DeflateStream& operator=(const DeflateStream&) = delete;
  bool ok() const { return ok_; }
  z_stream* get() { return &zs_; }

 private:
  z_stream zs_{};
  bool ok_ = false;
};

class InflateStream {
 public:
  InflateStream() { ok_ = inflateInit2(&zs_, kGzipWindowBits) == Z_OK; }
  ~InflateStream() {
    if (ok_) inflateEnd(&zs_);
  }
  InflateStream(const InflateStream&) = delete;
  InflateStream& operator=(const InflateStream&) = delete;
  bool ok() const { return ok_; }
  z_stream* get() { return &zs_; }

 private:
  z_stream zs_{};
  bool ok_ = false;
};

// Gives zlib the next chunk of input once it has used the previous one.
void Feed(z_stream* zs, std::string_view in, size_t& in_pos) {
  if (zs->avail_in != 0 || in_pos == in.size()) return;
  size_t chunk = std::min(in.size() - in_pos, kMaxChunk);
  zs->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + in_pos));
  zs->avail_in = static_cast<uInt>(chunk);
  in_pos += chunk;
}

}  // namespace

bool GzipCompress(std::string_view in, std::string& out, int level) {
  DeflateStream stream(level < 1 || level > 9 ? Z_DEFAULT_COMPRESSION : level);
  if (!stream.ok()) return false;
  z_stream* zs = stream.get();
  out.resize(deflateBound(zs, in.size()));
  size_t in_pos = 0, out_pos = 0;
  for (;;) {
    Feed(zs, in, in_pos);
    int flush = (in_pos == in.size() && zs->avail_in == 0) ? Z_FINISH : Z_NO_FLUSH;
    if (out_pos == out.size()) out.resize(out.size() * 2 + 64);
    size_t room = std::min(out.size() - out_pos, kMaxChunk);
    zs->next_out = reinterpret_cast<Bytef*>(out.data() + out_pos);
    zs->avail_out = static_cast<uInt>(room);
    int ret = deflate(zs, flush);
    out_pos += room - zs->avail_out;
    if (ret == Z_STREAM_END) break;
    if (ret != Z_OK && ret != Z_BUF_ERROR) {
      out.clear();
      return false;
    }
  }
  out.resize(out_pos);
  return true;
}

GunzipResult GzipDecompress(std::string_view in, std::string& out, size_t max_size) {
  out.clear();
  InflateStream stream;
  if (!stream.ok()) return GunzipResult::kMalformed;
  z_stream* zs = stream.get();
  // One byte more than allowed is enough to tell "exactly max_size" from "too large".
  const size_t cap = max_size == SIZE_MAX ? SIZE_MAX : max_size + 1;
  size_t in_pos = 0, out_pos = 0;
  auto fail = [&out](GunzipResult r) {
    out.clear();
    return r;
  };
  for (;;) {
    Feed(zs, in, in_pos);
    if (out_pos == out.size()) {
      if (out.size() >= cap) return fail(GunzipResult::kTooLarge);
      size_t grown = std::max<size_t>({out.size() * 2, in.size() * 4, 4096});
      out.resize(std::min(grown, cap));
    }
    size_t room = std::min(out.size() - out_pos, kMaxChunk);
    zs->next_out = reinterpret_cast<Bytef*>(out.data() + out_pos);
    zs->avail_out = static_cast<uInt>(room);
    int ret = inflate(zs, Z_NO_FLUSH);
    out_pos += room - zs->avail_out;
    if (out_pos > max_size) return fail(GunzipResult::kTooLarge);
    bool input_done = zs->avail_in == 0 && in_pos == in.size();
    if (ret == Z_STREAM_END) {
      if (input_done) break;
      // Another gzip member follows (RFC 1952 allows concatenation).
      if (inflateReset(zs) != Z_OK) return fail(GunzipResult::kMalformed);
      continue;
    }
    if (ret == Z_BUF_ERROR) {
      if (zs->avail_out == 0) continue;       // needs more room
      return fail(GunzipResult::kMalformed);  // input ended inside a member
    }
    if (ret != Z_OK) return fail(GunzipResult::kMalformed);
    if (input_done && zs->avail_out != 0) {
      // All input consumed, output room left, but no stream end: truncated.
      return fail(GunzipResult::kMalformed);
    }
  }
  out.resize(out_pos);
  return GunzipResult::kOk;
}

}  // namespace adot::common
