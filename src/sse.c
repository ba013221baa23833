/* Server-Sent Events: splits text/event-stream bytes into events as the HTML standard's
 * "interpreting an event stream" says, whatever the chunk boundaries. */
#include "jelou/sse.h"

#include <stdlib.h>
#include <string.h>

#include "jelou/cause.h"
#include "jelou/xalloc.h"

struct sse {
    struct sse_callbacks cb;
    struct buf line;   /* the line being read */
    struct buf data;   /* data: lines of the event being read, each with its "\n" */
    char *type;        /* event: of the event being read, or NULL */
    char *last_id;     /* never NULL; survives dispatch and reconnection */
    int after_cr;      /* the last byte was a CR: a LF next ends no second line */
    int at_start;      /* nothing read yet on this connection: a BOM may come */
    int failed;        /* a line was too long: nothing more is read */
};

struct sse *
sse_new(const struct sse_callbacks *cb)
{
    struct sse *p = xcalloc(1, sizeof *p);
    p->cb = *cb;
    p->last_id = xstrdup("");
    p->at_start = 1;
    return p;
}

void
sse_free(struct sse *p)
{
    if (p == NULL)
        return;
    buf_free(&p->line);
    buf_free(&p->data);
    free(p->type);
    free(p->last_id);
    free(p);
}

void
sse_reset(struct sse *p)
{
    p->line.len = 0;
    p->data.len = 0;
    free(p->type);
    p->type = NULL;
    p->after_cr = 0;
    p->at_start = 1;
    p->failed = 0;
}

const char *
sse_last_id(const struct sse *p)
{
    return p->last_id;
}

static void
dispatch(struct sse *p)
{
    /* An event with no data is no event (the standard), but its id still counts. */
    if (p->data.len == 0) {
        free(p->type);
        p->type = NULL;
        return;
    }
    p->data.len--; /* the last "\n" */
    p->data.data[p->data.len] = '\0';
    struct sse_event ev = {
        .type = p->type != NULL && p->type[0] != '\0' ? p->type : "message",
        .data = p->data.data,
        .data_len = p->data.len,
        .id = p->last_id,
    };
    p->cb.on_event(p->cb.arg, &ev);
    p->data.len = 0;
    free(p->type);
    p->type = NULL;
}

static int
all_digits(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static void
process_line(struct sse *p)
{
    const char *s = p->line.len > 0 ? p->line.data : "";
    size_t n = p->line.len;
    if (n == 0) {
        dispatch(p);
        return;
    }
    if (s[0] == ':') {
        if (p->cb.on_comment != NULL)
            p->cb.on_comment(p->cb.arg, s + 1);
        return;
    }
    const char *colon = memchr(s, ':', n);
    size_t name_len = colon != NULL ? (size_t)(colon - s) : n;
    const char *value = colon != NULL ? colon + 1 : s + n;
    size_t value_len = (size_t)(s + n - value);
    if (value_len > 0 && value[0] == ' ') {
        value++;
        value_len--;
    }
    if (name_len == 5 && memcmp(s, "event", 5) == 0) {
        free(p->type);
        p->type = xstrndup(value, value_len);
    } else if (name_len == 4 && memcmp(s, "data", 4) == 0) {
        buf_append(&p->data, value, value_len);
        buf_append(&p->data, "\n", 1);
    } else if (name_len == 2 && memcmp(s, "id", 2) == 0) {
        /* An id with a NUL in it is ignored, as the standard says. */
        if (memchr(value, '\0', value_len) == NULL) {
            free(p->last_id);
            p->last_id = xstrndup(value, value_len);
        }
    } else if (name_len == 5 && memcmp(s, "retry", 5) == 0) {
        /* Digits only; more than fit in a long is no useful wait either. */
        if (all_digits(value, value_len) && value_len <= 9 && p->cb.on_retry != NULL)
            p->cb.on_retry(p->cb.arg, strtol(value, NULL, 10));
    }
    /* Any other field is ignored. */
}

int
sse_feed(struct sse *p, const char *bytes, size_t n, char **cause)
{
    if (p->failed)
        return cause_fail(cause, xstrdup("the event stream sent a line that is too long"));
    size_t i = 0;
    if (p->at_start && n > 0) {
        /* A UTF-8 BOM may open the stream; it may itself be split between chunks, so
         * it is looked for once the line holds three bytes. */
        static const char bom[] = "\xEF\xBB\xBF";
        while (i < n && p->line.len < 3 && bytes[i] == bom[p->line.len]) {
            buf_append(&p->line, bytes + i, 1);
            i++;
        }
        if (p->line.len == 3) {
            p->line.len = 0;
            p->at_start = 0;
        } else if (i < n) {
            p->at_start = 0; /* not a BOM: what was held is the line's start */
        }
    }
    for (; i < n; i++) {
        char c = bytes[i];
        if (p->after_cr) {
            p->after_cr = 0;
            if (c == '\n')
                continue;
        }
        if (c == '\r' || c == '\n') {
            p->after_cr = c == '\r';
            process_line(p);
            p->line.len = 0;
            continue;
        }
        /* Runs of ordinary bytes are copied at once, not byte by byte. */
        size_t j = i;
        while (j < n && bytes[j] != '\r' && bytes[j] != '\n')
            j++;
        if (p->line.len + (j - i) > SSE_MAX_LINE) {
            p->failed = 1;
            return cause_fail(cause,
                              xstrdup("the event stream sent a line that is too long"));
        }
        buf_append(&p->line, bytes + i, j - i);
        i = j - 1;
    }
    return 0;
}
