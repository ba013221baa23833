/* Shared by the libFuzzer targets: the entry points and a property check that aborts. */
#ifndef JELOU_FUZZ_H
#define JELOU_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A broken property is a crash to libFuzzer: abort() makes it save the input. */
#define FUZZ_CHECK(cond)                                                          \
    do {                                                                          \
        if (!(cond))                                                              \
            fuzz_fail(__FILE__, __LINE__, #cond);                                 \
    } while (0)

static inline void
fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: property does not hold: %s\n", file, line, what);
    abort();
}

/* The input as a C string (cut at the first NUL, as a C caller would see it). */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
