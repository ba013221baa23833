/* Error causes: the one-line messages functions hand back to their callers. */
#include "jelou/cause.h"

#include <stdlib.h>
#include <string.h>

#include "jelou/utf8.h"
#include "jelou/xalloc.h"

#define EXCERPT_MAX 60

int
cause_fail(char **cause, char *msg)
{
    if (cause != NULL)
        *cause = msg;
    else
        free(msg);
    return -1;
}

char *
cause_excerpt(const char *s, size_t n)
{
    return cause_excerpt_max(s, n, EXCERPT_MAX);
}

char *
cause_excerpt_max(const char *s, size_t n, size_t max)
{
    size_t cut = utf8_cut(s, n, max);
    char *out = xmalloc(cut + 4);
    for (size_t i = 0; i < cut; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    strcpy(out + cut, cut < n ? "..." : "");
    return out;
}
