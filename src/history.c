/* The durable send history: one JSON line per finished send, read back on start. */
#include "jelou/history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jelou/record.h"
#include "jelou/cause.h"
#include "jelou/paths.h"
#include "jelou/xalloc.h"

char *
history_default_path(char **cause)
{
    return paths_state_file("history.jsonl", "the history", cause);
}

int
history_append(const char *path, const struct history_entry *e, char **cause)
{
    struct record *r = record_new();
    char *line;
    int rc;

    record_int(r, "time", e->time_ms);
    record_str(r, "room", e->room);
    record_str(r, "user", e->user);
    record_str(r, "id", e->id);
    record_str(r, "type", e->type == MSG_NONE ? NULL : msg_type_name(e->type));
    record_str(r, "preview", e->preview);
    record_str(r, "url", e->url);
    record_str(r, "status", send_state_name(e->state));
    record_int(r, "attempts", e->attempts);
    /* Same shape as send --json: no HTTP answer (network failure) is null, not 0. */
    if (e->http_status > 0)
        record_int(r, "http_status", e->http_status);
    else
        record_str(r, "http_status", NULL);
    record_str(r, "error", e->error);
    line = record_finish(r);
    rc = record_append_file(path, line, 1, cause);
    free(line);
    return rc;
}

static void
history_free_entry(struct history_entry *e)
{
    free(e->room);
    free(e->user);
    free(e->id);
    free(e->preview);
    free(e->url);
    free(e->error);
}

static char *
dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

/* An unknown status cannot claim the send went through. */
static enum send_state
parse_state(const char *s)
{
    static const enum send_state all[] = {SEND_QUEUED, SEND_SENDING, SEND_ACCEPTED,
                                          SEND_FAILED};
    for (size_t i = 0; s != NULL && i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(s, send_state_name(all[i])) == 0)
            return all[i];
    }
    return SEND_FAILED;
}

static int
entry_from_line(const char *line, size_t len, struct history_entry *e)
{
    struct record_view *v = record_parse(line, len, NULL);
    const char *room, *id;
    long long num;

    if (v == NULL)
        return -1;
    room = record_get_str(v, "room");
    id = record_get_str(v, "id");
    if (room == NULL || *room == '\0' || id == NULL || *id == '\0') {
        record_view_free(v);
        return -1;
    }
    memset(e, 0, sizeof *e);
    e->room = xstrdup(room);
    e->id = xstrdup(id);
    e->user = dup_or_null(record_get_str(v, "user"));
    e->preview = dup_or_null(record_get_str(v, "preview"));
    e->url = dup_or_null(record_get_str(v, "url"));
    e->error = dup_or_null(record_get_str(v, "error"));
    e->type = msg_type_parse(record_get_str(v, "type"));
    e->state = parse_state(record_get_str(v, "status"));
    if (record_get_int(v, "time", &num) == 0)
        e->time_ms = num;
    if (record_get_int(v, "attempts", &num) == 0 && num >= 0 && num <= 1000000)
        e->attempts = (int)num;
    if (record_get_int(v, "http_status", &num) == 0 && num >= 0 && num <= 999)
        e->http_status = (long)num;
    record_view_free(v);
    return 0;
}

struct each {
    void (*fn)(void *arg, struct history_entry *e);
    void *arg;
};

static int
each_line(void *arg, const char *line, size_t len)
{
    struct each *ea = arg;
    struct history_entry e;
    if (entry_from_line(line, len, &e) != 0)
        return -1;
    ea->fn(ea->arg, &e);
    history_free_entry(&e);
    return 0;
}

int
history_each(const char *path, void (*fn)(void *arg, struct history_entry *e), void *arg,
             size_t *skipped, char **cause)
{
    struct each ea = {fn, arg};
    return record_each_line(path, each_line, &ea, skipped, cause);
}

struct collect {
    struct history_entry *v;
    size_t n, cap;
};

static void
collect_one(void *arg, struct history_entry *e)
{
    struct collect *c = arg;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->v = xrealloc(c->v, c->cap * sizeof *c->v);
    }
    c->v[c->n++] = *e;
    memset(e, 0, sizeof *e); /* the copy owns the strings now */
}

int
history_load(const char *path, struct history_entry **out, size_t *n, size_t *skipped,
             char **cause)
{
    struct collect c = {0};
    *out = NULL;
    *n = 0;
    if (history_each(path, collect_one, &c, skipped, cause) != 0) {
        history_free(c.v, c.n);
        return -1;
    }
    *out = c.v;
    *n = c.n;
    return 0;
}

void
history_free(struct history_entry *e, size_t n)
{
    if (e == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        history_free_entry(&e[i]);
    free(e);
}

static int
contains(const char *hay, const char *needle)
{
    return hay != NULL && strcasestr(hay, needle) != NULL;
}

static int
word_matches(const struct history_entry *e, const char *w)
{
    if (strncmp(w, "status:", 7) == 0)
        return strcasecmp(w + 7, send_state_name(e->state)) == 0;
    if (strncmp(w, "room:", 5) == 0)
        return e->room != NULL && strcmp(w + 5, e->room) == 0;
    if (strncmp(w, "type:", 5) == 0)
        return e->type != MSG_NONE && strcasecmp(w + 5, msg_type_name(e->type)) == 0;
    return contains(e->preview, w) || contains(e->room, w) || contains(e->user, w) ||
           contains(e->id, w);
}

int
history_match(const struct history_entry *e, const char *filter)
{
    const char *p = filter;
    int ok = 1;

    if (e == NULL)
        return 0;
    while (ok && p != NULL && *p != '\0') {
        p += strspn(p, " \t");
        size_t len = strcspn(p, " \t");
        if (len == 0)
            break;
        char *w = xstrndup(p, len);
        ok = word_matches(e, w);
        free(w);
        p += len;
    }
    return ok;
}
