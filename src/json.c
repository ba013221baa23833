/* Strict JSON over cJSON: one-value parsing, printing into free()-owned memory, content. */
#include "jelou/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jelou/cause.h"
#include "jelou/xalloc.h"

/* cJSON returns NULL from its constructors only when malloc fails: give up like xmalloc. */
void *
json_need(void *p)
{
    if (p == NULL) {
        fputs("jelou-console: out of memory (cJSON)\n", stderr);
        abort();
    }
    return p;
}

/* cJSON is lenient where Jelou may not be: it takes raw control bytes as whitespace or
 * inside strings, and decodes \u0000 into a NUL that silently cuts the string short. This
 * pass refuses those before cJSON sees the text. */
static int
check_raw_json(const char *p, size_t n, const char *what, char **cause)
{
    int in_string = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20 && (in_string || (c != '\t' && c != '\n' && c != '\r')))
            return cause_fail(cause, xasprintf("%s is not valid JSON (control byte 0x%02x at "
                                         "byte %zu)", what, c, i));
        if (!in_string) {
            if (c == '"')
                in_string = 1;
        } else if (c == '"') {
            in_string = 0;
        } else if (c == '\\' && i + 1 < n) {
            if (p[i + 1] == 'u' && i + 5 < n && strncmp(p + i + 2, "0000", 4) == 0)
                return cause_fail(cause,
                                  xasprintf("%s has a string with \\u0000 (NUL) at byte %zu",
                                             what, i));
            i++;
        }
    }
    return 0;
}

/* How many of the first n bytes of s are in set (s need not be NUL-terminated). */
static size_t
strspn_n(const char *s, size_t n, const char *set)
{
    size_t i = 0;
    while (i < n && s[i] != '\0' && strchr(set, s[i]) != NULL)
        i++;
    return i;
}

cJSON *
json_parse_strict(const char *text, size_t len, const char *what, char **cause)
{
    const char *end = NULL;

    if (text == NULL || len == strspn_n(text, len, " \t\n\r")) {
        cause_fail(cause, xasprintf("%s is empty", what));
        return NULL;
    }
    if (check_raw_json(text, len, what, cause) != 0)
        return NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (j == NULL) {
        size_t at = end != NULL && end >= text ? (size_t)(end - text) : 0;
        cause_fail(cause, xasprintf("%s is not valid JSON (at byte %zu)", what, at));
        return NULL;
    }
    /* ParseWithLength stops after the first value; anything but whitespace after it means
     * the input was not one JSON value. */
    size_t at = (size_t)(end - text);
    at += strspn_n(end, len - at, " \t\n\r");
    if (at < len) {
        cJSON_Delete(j);
        cause_fail(cause, xasprintf("%s is not valid JSON (extra data at byte %zu)", what, at));
        return NULL;
    }
    return j;
}

char *
json_print(const cJSON *j, size_t *len)
{
    char *printed = json_need(cJSON_PrintUnformatted(j));
    char *out = xstrdup(printed);
    cJSON_free(printed);
    if (len != NULL)
        *len = strlen(out);
    return out;
}
