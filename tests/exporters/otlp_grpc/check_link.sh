#!/bin/sh
# Usage: check_link.sh MODE BINARY
#
# Inspects what BINARY links: its NEEDED entries, its full runtime closure (ldd) and the symbols
# linked into it statically (nm).
#   none                   no gRPC, protobuf or abseil anywhere (an SDK + OTLP/HTTP application)
#   grpc-without-protobuf  gRPC is there (the control: the check can see it), libprotobuf is not
#                          (the gRPC exporter sends hand-encoded bytes, no generated classes)
set -u

mode=${1:?usage: check_link.sh none|grpc-without-protobuf BINARY}
binary=${2:?usage: check_link.sh none|grpc-without-protobuf BINARY}
[ -f "$binary" ] || { echo "no such file: $binary"; exit 2; }

status=0

# find LIBRARY_REGEX SYMBOL_REGEX: prints what matches, one section per place.
find_deps() {
  readelf -d "$binary" | grep '(NEEDED)' | grep -E "$1" | sed 's/^/  NEEDED: /'
  ldd "$binary" | grep -E "$1" | sed 's/^[[:space:]]*/  ldd: /'
  nm -C "$binary" 2>/dev/null | grep -E "$2" | head -5 | sed 's/^/  symbol: /'
}

expect_absent() {
  found=$(find_deps "$1" "$2")
  if [ -n "$found" ]; then
    echo "FAIL: $binary links $3:"
    echo "$found"
    status=1
  fi
}

expect_present() {
  found=$(find_deps "$1" "$2")
  if [ -z "$found" ]; then
    echo "FAIL: expected $binary to link $3, and the check does not see it"
    status=1
  fi
}

grpc_libraries='lib(grpc|gpr|upb|address_sorting)'
grpc_symbols='(grpc::|grpc_core::)'
protobuf_libraries='libprotobuf'
protobuf_symbols='google::protobuf::'
absl_libraries='libabsl'
absl_symbols='absl::'

case "$mode" in
  none)
    expect_absent "$grpc_libraries" "$grpc_symbols" gRPC
    expect_absent "$protobuf_libraries" "$protobuf_symbols" protobuf
    expect_absent "$absl_libraries" "$absl_symbols" abseil
    ;;
  grpc-without-protobuf)
    expect_present "$grpc_libraries" "$grpc_symbols" gRPC
    expect_absent "$protobuf_libraries" "$protobuf_symbols" protobuf
    ;;
  *)
    echo "unknown mode: $mode"
    exit 2
    ;;
esac

[ "$status" = 0 ] && echo "OK: $binary ($mode)"
exit $status
