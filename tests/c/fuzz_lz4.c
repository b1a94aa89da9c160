/* libFuzzer target: lz4 decompression (and compression) in the core; see fuzz_codec.h. */
#define FUZZ_CODEC KD_CODEC_LZ4
#include "fuzz_codec.h"
