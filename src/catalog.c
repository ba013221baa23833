/* The media catalog: URLs an agent can pick to send, from a file and from this session. */
#include "jelou/catalog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jelou/url.h"
#include "jelou/utf8.h"
#include "jelou/cause.h"
#include "jelou/xalloc.h"
#include "jelou/i18n.h"

#define SPACE " \t\r\n"

/* Trims s[0..n) in place of a copy; NULL when nothing is left. */
static char *
field(const char *s, size_t n)
{
    while (n > 0 && strchr(SPACE, *s) != NULL) {
        s++;
        n--;
    }
    while (n > 0 && strchr(SPACE, s[n - 1]) != NULL)
        n--;
    return n ? xstrndup(s, n) : NULL;
}

static int
given(const char *s)
{
    return s != NULL && *s != '\0';
}

static struct media_item *
find(const struct catalog *c, const char *url)
{
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->items[i].url, url) == 0)
            return &c->items[i];
    }
    return NULL;
}

void
catalog_add(struct catalog *c, const char *url, enum msg_type type, const char *mime,
            const char *label, const char *caption, int from_session)
{
    struct media_item *it;

    if (c == NULL || !given(url))
        return;
    it = find(c, url);
    if (it == NULL) {
        if (c->n == c->cap) {
            c->cap = c->cap ? c->cap * 2 : 16;
            c->items = xrealloc(c->items, c->cap * sizeof *c->items);
        }
        it = &c->items[c->n++];
        memset(it, 0, sizeof *it);
        it->url = xstrdup(url);
        it->type = MSG_NONE;
        it->size = -1;
    }
    if (it->type == MSG_NONE)
        it->type = type;
    if (it->mime == NULL && given(mime))
        it->mime = xstrdup(mime);
    if (it->label == NULL && given(label))
        it->label = xstrdup(label);
    if (it->caption == NULL && given(caption))
        it->caption = xstrdup(caption);
    if (from_session)
        it->from_session = 1;
}

/* One line (its newline is trimmed here): 0 with the fields (url NULL for a blank line or a
 * comment), or -1 with *why (the cause without PATH:LINE). */
static int
parse_line(const char *line, char **url, enum msg_type *type, char **label, char **caption,
           char **why)
{
    const char *p = line + strspn(line, SPACE);
    const char *bar[3];
    char *tname, *err = NULL;
    size_t nbars = 0;

    *url = *label = *caption = NULL;
    *type = MSG_NONE;
    if (*p == '\0' || *p == '#')
        return 0;
    if (!utf8_valid(p, strlen(p)))
        return cause_fail(why, xstrdup(_("not valid UTF-8")));
    /* Only the first three bars split: a caption may contain '|'. */
    for (const char *q = p; *q != '\0' && nbars < 3; q++) {
        if (*q == '|')
            bar[nbars++] = q;
    }
    const char *url_end = nbars > 0 ? bar[0] : p + strlen(p);
    *url = field(p, (size_t)(url_end - p));
    if (*url == NULL)
        return cause_fail(why, xstrdup(_("missing URL (URL | type | label | caption)")));
    if (url_check_media(*url, &err) != 0) {
        free(*url);
        *url = NULL;
        return cause_fail(why, err);
    }
    if (nbars >= 1) {
        const char *end = nbars >= 2 ? bar[1] : bar[0] + strlen(bar[0]);
        tname = field(bar[0] + 1, (size_t)(end - bar[0] - 1));
        if (tname != NULL) {
            *type = msg_type_parse(tname);
            /* A text message has no URL: picking such an entry could only fail later. */
            if (*type == MSG_NONE || *type == MSG_TEXT) {
                int rc = cause_fail(why, xasprintf(_("type '%s' is not image, video, audio or "
                                             "document (or empty)"), tname));
                free(tname);
                free(*url);
                *url = NULL;
                return rc;
            }
            free(tname);
        }
    }
    if (nbars >= 2) {
        const char *end = nbars >= 3 ? bar[2] : bar[1] + strlen(bar[1]);
        *label = field(bar[1] + 1, (size_t)(end - bar[1] - 1));
    }
    if (nbars >= 3)
        *caption = field(bar[2] + 1, strlen(bar[2] + 1));
    return 0;
}

/* Reads catalog lines from f; errors name path. */
static int
load_stream(FILE *f, const char *path, struct catalog *c, char **cause)
{
    /* Read into a scratch catalog first: a bad line leaves c as it was. */
    struct catalog tmp = {0};
    size_t lineno = 0, size = 0;
    char *line = NULL;
    ssize_t got;
    int rc = 0;

    while ((got = getline(&line, &size, f)) > 0) {
        char *url, *label, *caption, *why = NULL;
        enum msg_type type;
        lineno++;
        if (memchr(line, '\0', (size_t)got) != NULL) {
            rc = cause_fail(cause, xasprintf(_("%s:%zu: not a text line"), path, lineno));
            break;
        }
        if (lineno == 1 && strncmp(line, "\xef\xbb\xbf", 3) == 0)
            memmove(line, line + 3, strlen(line + 3) + 1);
        if (parse_line(line, &url, &type, &label, &caption, &why) != 0) {
            rc = cause_fail(cause, xasprintf("%s:%zu: %s", path, lineno, why));
            free(why);
            break;
        }
        if (url != NULL)
            catalog_add(&tmp, url, type, NULL, label, caption, 0);
        free(url);
        free(label);
        free(caption);
    }
    if (rc == 0 && ferror(f))
        rc = cause_fail(cause, xasprintf(_("cannot read %s: %s"), path, strerror(errno)));
    free(line);
    if (rc == 0) {
        for (size_t i = 0; i < tmp.n; i++) {
            const struct media_item *it = &tmp.items[i];
            catalog_add(c, it->url, it->type, it->mime, it->label, it->caption, 0);
        }
    }
    catalog_clear(&tmp);
    return rc;
}

int
catalog_load(const char *path, struct catalog *c, char **cause)
{
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        if (errno == ENOENT)
            return 0;
        return cause_fail(cause, xasprintf(_("cannot read %s: %s"), path, strerror(errno)));
    }
    int rc = load_stream(f, path, c, cause);
    fclose(f);
    return rc;
}

int
catalog_load_text(const char *text, const char *name, struct catalog *c, char **cause)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    if (f == NULL)
        return cause_fail(cause, xasprintf(_("cannot read %s: %s"), name, strerror(errno)));
    int rc = load_stream(f, name, c, cause);
    fclose(f);
    return rc;
}

void
catalog_clear(struct catalog *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->items[i].url);
        free(c->items[i].label);
        free(c->items[i].caption);
        free(c->items[i].mime);
    }
    free(c->items);
    c->items = NULL;
    c->n = c->cap = 0;
}

static int
contains(const char *hay, const char *needle)
{
    return hay != NULL && strcasestr(hay, needle) != NULL;
}

static int
item_matches(const struct media_item *it, const char *w)
{
    return contains(it->url, w) || contains(it->label, w) || contains(it->caption, w) ||
           (it->type != MSG_NONE && contains(msg_type_name(it->type), w)) ||
           contains(it->mime, w);
}

size_t
catalog_filter(const struct catalog *c, const char *filter, size_t *idx, size_t max)
{
    size_t n = 0;

    if (c == NULL)
        return 0;
    for (size_t i = 0; i < c->n && n < max; i++) {
        const char *p = filter ? filter : "";
        int ok = 1;
        while (ok) {
            p += strspn(p, SPACE);
            size_t len = strcspn(p, SPACE);
            if (len == 0)
                break;
            char *w = xstrndup(p, len);
            ok = item_matches(&c->items[i], w);
            free(w);
            p += len;
        }
        if (ok)
            idx[n++] = i;
    }
    return n;
}
