#!/usr/bin/env bash
# build-codecs.sh SRC OUT CC CXX AR [FLAGS...] — builds OUT/libkdcodecs.a from Debian's
# zlib, zstd, lz4 and snappy sources unpacked in SRC (scripts/codec-sources.sh), with the
# given compilers and flags: once for the wasm core (emcc/em++), once for native tests
# under the sanitizers and once plain (benchmarks, seeds). Only what the core calls is
# built: zlib's deflate and inflate, zstd's compressor and decompressor (no legacy
# formats, dictionaries or threads), lz4's frame format, snappy's C API.
set -euo pipefail
src=$1 out=$2 cc=$3 cxx=$4 ar=$5; shift 5
flags=("$@")
mkdir -p "$out/obj" "$out/include"
z=$src/zlib_1.2.13.dfsg-1 zs=$src/libzstd_1.5.4+dfsg2-5/lib l=$src/lz4_1.9.4-1/lib s=$src/snappy_1.1.9-3

# snappy's CMake would generate these two headers; the answers are the same on every
# target the core is built for (little-endian, no SIMD assumed, sys/uio.h present).
sed -e 's/\${HAVE_SYS_UIO_H_01}/1/' -e 's/\${PROJECT_VERSION_MAJOR}/1/' \
    -e 's/\${PROJECT_VERSION_MINOR}/1/' -e 's/\${PROJECT_VERSION_PATCH}/9/' \
    "$s/snappy-stubs-public.h.in" > "$out/include/snappy-stubs-public.h"
printf '%s\n' '#define HAVE_BUILTIN_CTZ 1' '#define HAVE_BUILTIN_EXPECT 1' '#define HAVE_ATTRIBUTE_ALWAYS_INLINE 1' \
  '#define HAVE_SYS_UIO_H 1' '#define HAVE_UNISTD_H 1' '#define SNAPPY_HAVE_SSSE3 0' '#define SNAPPY_HAVE_BMI2 0' \
  > "$out/include/config.h"

c_srcs=(
  $z/{adler32,crc32,deflate,inflate,inffast,inftrees,trees,zutil}.c
  $zs/common/{entropy_common,error_private,fse_decompress,zstd_common}.c
  $zs/compress/{fse_compress,hist,huf_compress,zstd_compress,zstd_compress_literals,zstd_compress_sequences,zstd_compress_superblock,zstd_double_fast,zstd_fast,zstd_lazy,zstd_ldm,zstd_opt}.c
  $zs/decompress/{huf_decompress,zstd_ddict,zstd_decompress,zstd_decompress_block}.c
  $l/{lz4,lz4hc,lz4frame,xxhash}.c
)
cc_srcs=($s/{snappy,snappy-c,snappy-sinksource,snappy-stubs-internal}.cc)
# zstd without its x86 assembly (wasm has none) or legacy formats; lz4's xxhash
# namespaced apart from zstd's.
defs=(-DZSTD_DISABLE_ASM -DZSTD_LEGACY_SUPPORT=0 -DXXH_NAMESPACE=LZ4_ -DNDEBUG
      "-I$zs" "-I$zs/common" "-I$out/include" "-I$s")
# Objects are rebuilt when their source is newer, or all of them when the flags changed.
# C++ without exceptions or RTTI (snappy uses neither). Under the sanitizers, snappy
# goes without UBSan's function check (its runtime comes only with C++ links; ours link
# with clang) and pointer-overflow check (snappy's pattern copy indexes dst[i - offset]
# with an unsigned offset, which wraps as intended on every target).
cxx_flags=(-std=c++11 -fno-exceptions -fno-rtti)
case " ${flags[*]} " in *" -fsanitize="*) cxx_flags+=(-fno-sanitize=function,pointer-overflow) ;; esac
sig="$cc $cxx ${defs[*]} ${flags[*]} ${cxx_flags[*]}"
if [ "$(cat "$out/flags" 2>/dev/null)" != "$sig" ]; then rm -f "$out"/obj/*.o; echo "$sig" > "$out/flags"; fi
obj_of() { echo "$out/obj/$(basename "$(dirname "$1")")-$(basename "${1%.*}").o"; }
for f in "${c_srcs[@]}" "${cc_srcs[@]}"; do
  o=$(obj_of "$f")
  [ "$o" -nt "$f" ] && continue
  case $f in
    *.cc) echo "$cxx -c $f -o $o ${defs[*]} ${flags[*]} ${cxx_flags[*]}" ;;
    *) echo "$cc -c $f -o $o ${defs[*]} ${flags[*]}" ;;
  esac
done | xargs -P 2 -I{} sh -c '{}'
objs=()
for f in "${c_srcs[@]}" "${cc_srcs[@]}"; do objs+=("$(obj_of "$f")"); done
rm -f "$out/libkdcodecs.a"
"$ar" rcs "$out/libkdcodecs.a" "${objs[@]}"
