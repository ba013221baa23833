/* JSON-lines records (result lines, sandbox log entries, journals) built with cJSON. */
#include "jelou/record.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "jelou/cause.h"
#include "jelou/utf8.h"
#include "jelou/xalloc.h"
#include "jelou/json.h"
#include "jelou/i18n.h"

struct record {
    cJSON *obj;
};

struct record *
record_new(void)
{
    struct record *r = xmalloc(sizeof *r);
    r->obj = json_need(cJSON_CreateObject());
    return r;
}

/* A key set twice keeps its first position and takes the last value: a record never
 * carries duplicate keys, which JSON readers resolve differently. */
static void
put(struct record *r, const char *key, cJSON *item)
{
    json_need(item);
    if (r == NULL || key == NULL) {
        cJSON_Delete(item);
        return;
    }
    cJSON_bool ok;
    if (cJSON_GetObjectItemCaseSensitive(r->obj, key) != NULL)
        ok = cJSON_ReplaceItemInObjectCaseSensitive(r->obj, key, item);
    else
        ok = cJSON_AddItemToObject(r->obj, key, item);
    /* Both fail only when copying the key runs out of memory. */
    json_need(ok ? item : NULL);
}

void
record_str(struct record *r, const char *key, const char *value)
{
    if (value == NULL)
        put(r, key, cJSON_CreateNull());
    else
        record_strn(r, key, value, strlen(value));
}

void
record_strn(struct record *r, const char *key, const char *value, size_t n)
{
    char *copy;

    if (value == NULL) {
        put(r, key, cJSON_CreateNull());
        return;
    }
    /* Bad bytes (and NUL, which cJSON cannot carry) become U+FFFD, so a log line about bad
     * input is still a valid JSON line. */
    copy = utf8_valid(value, n) ? xstrndup(value, n) : utf8_repair(value, n);
    put(r, key, cJSON_CreateString(copy));
    free(copy);
}

void
record_int(struct record *r, const char *key, long long value)
{
    /* cJSON keeps numbers as doubles, which loses digits past 2^53: print it ourselves. */
    char text[32];
    snprintf(text, sizeof text, "%lld", value);
    put(r, key, cJSON_CreateRaw(text));
}

void
record_num(struct record *r, const char *key, double value)
{
    put(r, key, cJSON_CreateNumber(value));
}

void
record_bool(struct record *r, const char *key, int value)
{
    put(r, key, cJSON_CreateBool(value != 0));
}

void
record_raw(struct record *r, const char *key, const char *json)
{
    if (json == NULL) {
        put(r, key, cJSON_CreateNull());
        return;
    }
    cJSON *item = cJSON_Parse(json);
    if (item == NULL)
        record_str(r, key, json);
    else
        put(r, key, item);
}

char *
record_finish(struct record *r)
{
    if (r == NULL)
        return NULL;
    char *out = json_print(r->obj, NULL);
    cJSON_Delete(r->obj);
    free(r);
    return out;
}

void
record_line_begin(struct buf *b)
{
    buf_append(b, "{", 1);
}

/* A comma unless the object was just opened, then "key": (keys are the caller's own
 * plain literals: nothing in them needs escaping). */
static void
line_key(struct buf *b, const char *key)
{
    if (b->len > 0 && b->data[b->len - 1] != '{')
        buf_append(b, ",", 1);
    buf_append(b, "\"", 1);
    buf_appends(b, key);
    buf_append(b, "\":", 2);
}

/* value as a JSON string, escaped as cJSON's printer does (so a line reads the same
 * whichever path wrote it): the short escapes, other controls as \u00xx, the rest as is. */
static void
line_string(struct buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    buf_append(b, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 32 && c != '"' && c != '\\')
            continue;
        buf_append(b, s + run, i - run);
        run = i + 1;
        char esc[6] = {'\\', 0};
        size_t len = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            len = 6;
        }
        buf_append(b, esc, len);
    }
    buf_append(b, s + run, n - run);
    buf_append(b, "\"", 1);
}

void
record_line_str(struct buf *b, const char *key, const char *value)
{
    record_line_strn(b, key, value, value ? strlen(value) : 0);
}

void
record_line_strn(struct buf *b, const char *key, const char *value, size_t n)
{
    line_key(b, key);
    if (value == NULL) {
        buf_append(b, "null", 4);
    } else if (utf8_valid(value, n)) {
        line_string(b, value, n);
    } else {
        /* As record_strn: a line about bad input is still valid JSON. */
        char *fixed = utf8_repair(value, n);
        line_string(b, fixed, strlen(fixed));
        free(fixed);
    }
}

void
record_line_int(struct buf *b, const char *key, long long value)
{
    char text[24];
    int len = snprintf(text, sizeof text, "%lld", value);
    line_key(b, key);
    buf_append(b, text, (size_t)len);
}

void
record_line_end(struct buf *b)
{
    buf_append(b, "}", 1);
}

static int
write_error(const char *path, int err, char **cause)
{
    if (cause != NULL)
        *cause = xasprintf(_("cannot write %s: %s"), path, strerror(err));
    return -1;
}

int
record_write_all(int fd, const char *data, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (w == 0)
            return ENOSPC;
        /* A short write (disk nearly full) is finished rather than left as a torn line. */
        done += (size_t)w;
    }
    return 0;
}

int
record_append_file(const char *path, const char *line, int sync, char **cause)
{
    size_t n = strlen(line);
    char *data = xmalloc(n + 1);
    int fd, err = 0;

    /* One write() of the whole line: with O_APPEND, lines from several writers never
     * interleave inside a line. */
    memcpy(data, line, n);
    data[n] = '\n';
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        err = errno;
        free(data);
        return write_error(path, err, cause);
    }
    err = record_write_all(fd, data, n + 1);
    free(data);
    if (err == 0 && sync && fsync(fd) != 0)
        err = errno;
    if (close(fd) != 0 && err == 0)
        err = errno;
    if (err != 0)
        return write_error(path, err, cause);
    return 0;
}

struct record_view {
    cJSON *obj;
};

static void *
set_cause(char **cause, const char *msg)
{
    if (cause != NULL)
        *cause = xstrdup(msg);
    return NULL;
}

struct record_view *
record_parse(const char *line, size_t len, char **cause)
{
    struct record_view *v;
    const char *end = NULL;
    cJSON *obj;
    char *copy;

    if (line == NULL)
        return set_cause(cause, "not valid JSON");
    /* cJSON stops at a NUL: a line carrying one would be judged on its first part only. */
    if (memchr(line, '\0', len) != NULL)
        return set_cause(cause, "not valid JSON");
    copy = xstrndup(line, len);
    obj = cJSON_ParseWithOpts(copy, &end, 1);
    free(copy);
    if (obj == NULL)
        return set_cause(cause, "not valid JSON");
    if (!cJSON_IsObject(obj)) {
        cJSON_Delete(obj);
        return set_cause(cause, "not a JSON object");
    }
    v = xmalloc(sizeof *v);
    v->obj = obj;
    return v;
}

const char *
record_get_str(const struct record_view *v, const char *key)
{
    const cJSON *item;

    if (v == NULL || key == NULL)
        return NULL;
    item = cJSON_GetObjectItemCaseSensitive(v->obj, key);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

/* cJSON reads every number as a double; from 2^53 on a double no longer holds every integer
 * (2^53 + 1 reads as 2^53), so such a value may not be the one written: refuse it rather than
 * return a neighbour. */
#define EXACT_LIMIT 9007199254740992.0

int
record_get_int(const struct record_view *v, const char *key, long long *out)
{
    const cJSON *item;
    double d;

    if (v == NULL || key == NULL)
        return -1;
    item = cJSON_GetObjectItemCaseSensitive(v->obj, key);
    if (cJSON_IsBool(item)) {
        *out = cJSON_IsTrue(item) ? 1 : 0;
        return 0;
    }
    if (!cJSON_IsNumber(item))
        return -1;
    d = item->valuedouble;
    if (!(d > -EXACT_LIMIT && d < EXACT_LIMIT) || d != (double)(long long)d)
        return -1;
    *out = (long long)d;
    return 0;
}

const char *
record_get_sub_str(const struct record_view *v, const char *obj, const char *key)
{
    const cJSON *o, *item;

    if (v == NULL || obj == NULL || key == NULL)
        return NULL;
    o = cJSON_GetObjectItemCaseSensitive(v->obj, obj);
    if (!cJSON_IsObject(o))
        return NULL;
    item = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

char *
record_get_json(const struct record_view *v, const char *key)
{
    const cJSON *item;

    if (v == NULL || key == NULL)
        return NULL;
    item = cJSON_GetObjectItemCaseSensitive(v->obj, key);
    return item != NULL ? json_print(item, NULL) : NULL;
}

int
record_each_elem(const struct record_view *v, const char *key,
                 int (*fn)(void *arg, const char *json, size_t len), void *arg)
{
    const cJSON *arr, *el;

    if (v == NULL || key == NULL)
        return -1;
    arr = cJSON_GetObjectItemCaseSensitive(v->obj, key);
    if (!cJSON_IsArray(arr))
        return -1;
    cJSON_ArrayForEach(el, arr) {
        size_t len = 0;
        char *one = json_print(el, &len);
        int rc = fn(arg, one, len);
        free(one);
        if (rc != 0)
            return rc;
    }
    return 0;
}

void
record_view_free(struct record_view *v)
{
    if (v == NULL)
        return;
    cJSON_Delete(v->obj);
    free(v);
}

int
record_each_line(const char *path, int (*fn)(void *arg, const char *line, size_t len),
                 void *arg, size_t *skipped, char **cause)
{
    size_t bad = 0, size = 0;
    char *line = NULL;
    ssize_t got;
    FILE *f;

    if (skipped != NULL)
        *skipped = 0;
    /* Not blocking in open: a FIFO given as a journal would wait there for a writer. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        return cause_fail(cause, xasprintf(_("cannot read %s: %s"), path, strerror(errno)));
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return cause_fail(cause, xasprintf(_("cannot read %s: %s"), path,
                                           S_ISDIR(st.st_mode) ? strerror(EISDIR)
                                                               : "not a regular file"));
    }
    f = fdopen(fd, "r");
    if (f == NULL) {
        int err = errno;
        close(fd);
        return cause_fail(cause, xasprintf(_("cannot read %s: %s"), path, strerror(err)));
    }
    while ((got = getline(&line, &size, f)) > 0) {
        size_t len = (size_t)got;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (len > 0 && fn(arg, line, len) != 0)
            bad++;
    }
    int err = ferror(f) ? errno : 0;
    free(line);
    fclose(f);
    if (err)
        return cause_fail(cause, xasprintf(_("cannot read %s: %s"), path, strerror(err)));
    if (skipped != NULL)
        *skipped = bad;
    return 0;
}
