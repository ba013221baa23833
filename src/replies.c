/* Canned replies: a shortcode and a text with {name} and {agent} variables. */
#include "jelou/replies.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jelou/utf8.h"
#include "jelou/cause.h"
#include "jelou/xalloc.h"
#include "jelou/i18n.h"

#define SPACE " \t\r\n"

static int
is_code_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* "\n" becomes a newline and "\\" a backslash (so that a literal \n can be written);
 * any other backslash stays as typed. */
static char *
unescape(const char *s, size_t n)
{
    struct buf b = {0};

    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n && (s[i + 1] == 'n' || s[i + 1] == '\\')) {
            buf_append(&b, s[i + 1] == 'n' ? "\n" : "\\", 1);
            i++;
        } else {
            buf_append(&b, s + i, 1);
        }
    }
    return buf_take(&b);
}

/* One line (its newline is trimmed here): 0 with the code and text (both NULL for a blank
 * line or a comment), or -1 with *why (the cause without PATH:LINE). */
static int
parse_line(char *line, char **code, char **text, char **why)
{
    char *p = line + strspn(line, SPACE);
    size_t n = strlen(p), clen;
    char *colon;

    *code = *text = NULL;
    while (n > 0 && strchr(SPACE, p[n - 1]) != NULL)
        p[--n] = '\0';
    if (n == 0 || p[0] == '#')
        return 0;
    if (!utf8_valid(p, n))
        return cause_fail(why, xstrdup(_("not valid UTF-8")));
    colon = strchr(p, ':');
    if (colon == NULL)
        return cause_fail(why, xstrdup(_("expected 'shortcode: text'")));
    clen = (size_t)(colon - p);
    while (clen > 0 && strchr(SPACE, p[clen - 1]) != NULL)
        clen--;
    if (clen == 0)
        return cause_fail(why, xstrdup(_("missing shortcode before ':'")));
    for (size_t i = 0; i < clen; i++) {
        if (!is_code_char(p[i])) {
            char *c = xstrndup(p, clen);
            int rc = cause_fail(why,
                                xasprintf(_("shortcode '%s' may only use a-z, 0-9, _ and -"), c));
            free(c);
            return rc;
        }
    }
    colon += 1 + strspn(colon + 1, SPACE);
    if (*colon == '\0') {
        char *c = xstrndup(p, clen);
        int rc = cause_fail(why, xasprintf(_("reply %s has no text"), c));
        free(c);
        return rc;
    }
    *code = xstrndup(p, clen);
    *text = unescape(colon, strlen(colon));
    return 0;
}

int
replies_load(const char *path, struct replies *out, char **cause)
{
    struct replies r = {0};
    size_t cap = 0, lineno = 0, size = 0;
    size_t *first = NULL; /* line of each reply, for the duplicate message */
    char *line = NULL;
    ssize_t got;
    int rc = 0;
    FILE *f;

    out->items = NULL;
    out->n = 0;
    f = fopen(path, "re");
    if (f == NULL) {
        if (errno == ENOENT)
            return 0;
        return cause_fail(cause, xasprintf(_("cannot read %s: %s"), path, strerror(errno)));
    }
    while (rc == 0 && (got = getline(&line, &size, f)) > 0) {
        char *code, *text, *why = NULL;
        lineno++;
        if (memchr(line, '\0', (size_t)got) != NULL) {
            rc = cause_fail(cause, xasprintf(_("%s:%zu: not a text line"), path, lineno));
            break;
        }
        /* Editors on some systems start the file with a byte order mark. */
        if (lineno == 1 && strncmp(line, "\xef\xbb\xbf", 3) == 0)
            memmove(line, line + 3, strlen(line + 3) + 1);
        if (parse_line(line, &code, &text, &why) != 0) {
            rc = cause_fail(cause, xasprintf("%s:%zu: %s", path, lineno, why));
            free(why);
            break;
        }
        if (code == NULL)
            continue;
        for (size_t i = 0; i < r.n; i++) {
            if (strcmp(r.items[i].name, code) == 0) {
                rc = cause_fail(cause,
                                xasprintf(_("%s:%zu: duplicate shortcode %s (first on line %zu)"),
                                           path, lineno, code, first[i]));
                break;
            }
        }
        if (rc != 0) {
            free(code);
            free(text);
            break;
        }
        if (r.n == cap) {
            cap = cap ? cap * 2 : 16;
            r.items = xrealloc(r.items, cap * sizeof *r.items);
            first = xrealloc(first, cap * sizeof *first);
        }
        r.items[r.n].name = code;
        r.items[r.n].text = text;
        first[r.n++] = lineno;
    }
    if (rc == 0 && ferror(f))
        rc = cause_fail(cause, xasprintf(_("cannot read %s: %s"), path, strerror(errno)));
    free(line);
    free(first);
    fclose(f);
    if (rc != 0) {
        replies_clear(&r);
        return -1;
    }
    *out = r;
    return 0;
}

void
replies_clear(struct replies *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n; i++) {
        free(r->items[i].name);
        free(r->items[i].text);
    }
    free(r->items);
    r->items = NULL;
    r->n = 0;
}

const struct reply *
replies_find(const struct replies *r, const char *name)
{
    if (r == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->items[i].name, name) == 0)
            return &r->items[i];
    }
    return NULL;
}

char *
replies_expand(const struct reply *r, const char *name, const char *agent)
{
    struct buf b = {0};
    const char *p;

    if (r == NULL || r->text == NULL)
        return xstrdup("");
    /* An empty name would leave "Hola , ..." on the user's screen. */
    if (name == NULL || *name == '\0')
        name = "there";
    if (agent == NULL || *agent == '\0')
        agent = "your agent";
    for (p = r->text; *p != '\0';) {
        if (strncmp(p, "{name}", 6) == 0) {
            buf_appends(&b, name);
            p += 6;
        } else if (strncmp(p, "{agent}", 7) == 0) {
            buf_appends(&b, agent);
            p += 7;
        } else {
            buf_append(&b, p, 1);
            p++;
        }
    }
    return buf_take(&b);
}

size_t
replies_complete(const struct replies *r, const char *prefix, const char **out, size_t max)
{
    size_t n = 0, plen = prefix ? strlen(prefix) : 0;

    if (r == NULL)
        return 0;
    for (size_t i = 0; i < r->n && n < max; i++) {
        if (strncmp(r->items[i].name, prefix ? prefix : "", plen) == 0)
            out[n++] = r->items[i].name;
    }
    return n;
}
