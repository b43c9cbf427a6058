/*
 * tests/fuzz/libfuzzer.c — libFuzzer's entry for one target, chosen at
 * compile time: -DFUZZ_ENTRY=fuzz_json builds the json fuzzer
 * (tests/fuzz/run.sh).
 */
#include <config.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  return FUZZ_ENTRY(data, size);
}
