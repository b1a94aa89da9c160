/* libFuzzer target: snappy decompression (and compression) in the core; see fuzz_codec.h. */
#define FUZZ_CODEC KD_CODEC_SNAPPY
#include "fuzz_codec.h"
