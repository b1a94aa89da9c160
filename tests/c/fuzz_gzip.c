/* libFuzzer target: gzip decompression (and compression) in the core; see fuzz_codec.h. */
#define FUZZ_CODEC KD_CODEC_GZIP
#include "fuzz_codec.h"
