/* libFuzzer target: zstd decompression (and compression) in the core; see fuzz_codec.h. */
#define FUZZ_CODEC KD_CODEC_ZSTD
#include "fuzz_codec.h"
