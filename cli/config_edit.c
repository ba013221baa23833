/* Rewrites only the config lines whose value changes: the user's comments and order stay. */
#include "config_edit.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jelou/settings.h"
#include "jelou/xalloc.h"

/* Finds "key = value" in one line (inih's rules: '=' or ':', spaces around, ';' or '#'
 * comments). Returns 1 and the value's span, 0 when the line is not that key. */
static int
line_value(const char *line, size_t len, const char *key, size_t *vstart, size_t *vlen)
{
    size_t i = 0, klen = strlen(key);
    while (i < len && isspace((unsigned char)line[i]))
        i++;
    if (len - i < klen || strncasecmp(line + i, key, klen) != 0)
        return 0;
    i += klen;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i == len || (line[i] != '=' && line[i] != ':'))
        return 0;
    i++;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    size_t e = len;
    while (e > i && isspace((unsigned char)line[e - 1]))
        e--;
    *vstart = i;
    *vlen = e - i;
    return 1;
}

static int
is_path_key(const char *key)
{
    size_t n = strlen(key);
    return strcmp(key, "cacert") == 0 || (n > 5 && strcmp(key + n - 5, "_file") == 0);
}

static int
same_value(const char *config_path, const char *key, const char *have, size_t have_len,
           const char *want)
{
    char *h = xstrndup(have, have_len);
    int same = strcmp(h, want) == 0;
    if (!same && is_path_key(key) && config_path != NULL) {
        char *a = settings_resolve_path(config_path, h);
        char *b = settings_resolve_path(config_path, want);
        same = strcmp(a, b) == 0;
        free(a);
        free(b);
    }
    free(h);
    return same;
}

char *
config_edit(const char *text, const char *config_path, const char *const *keys,
            const char *const *values, size_t n, size_t *changed)
{
    struct buf out = {0};
    int *seen = xcalloc(n ? n : 1, sizeof *seen);
    const char *p = text != NULL ? text : "";
    *changed = 0;
    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        size_t vs, vl, k;
        for (k = 0; k < n; k++) {
            if (!seen[k] && line_value(p, len, keys[k], &vs, &vl))
                break;
        }
        if (k < n) {
            seen[k] = 1;
            if (same_value(config_path, keys[k], p + vs, vl, values[k])) {
                buf_append(&out, p, len);
            } else {
                buf_append(&out, p, vs);
                buf_appends(&out, values[k]);
                (*changed)++;
            }
        } else {
            buf_append(&out, p, len);
        }
        buf_appends(&out, "\n");
        p += nl ? len + 1 : len;
    }
    for (size_t k = 0; k < n; k++) {
        if (seen[k])
            continue;
        buf_printf(&out, "%s = %s\n", keys[k], values[k]);
        (*changed)++;
    }
    free(seen);
    if (out.data == NULL)
        return xstrdup("");
    return buf_take(&out);
}
