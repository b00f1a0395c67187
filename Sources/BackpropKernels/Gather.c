// Copying a mini-batch's columns out of the data set (see BackpropKernels.h).
//
// A shuffled batch reads columns scattered over a data set far larger than the caches (the
// MNIST training images are 188 MB as float32), one 3 KB column at a time, so each copy waits
// on memory. Here the columns a few places ahead are requested (`__builtin_prefetch`) while the
// current one is copied; the bytes copied are the same.
#include "BackpropKernels.h"

#include <string.h>

// How many columns ahead to prefetch, and the cache line size assumed.
enum { AHEAD = 4, LINE = 64 };

void bp_gather_columns(const void *source, size_t column_bytes, const ptrdiff_t *indices, size_t count,
                       void *target) {
    const char *s = source;
    char *t = target;
    for (size_t j = 0; j < count; j++) {
        if (j + AHEAD < count) {
            const char *next = s + (size_t)indices[j + AHEAD] * column_bytes;
            for (size_t offset = 0; offset < column_bytes; offset += LINE) __builtin_prefetch(next + offset, 0, 0);
        }
        memcpy(t + j * column_bytes, s + (size_t)indices[j] * column_bytes, column_bytes);
    }
}
