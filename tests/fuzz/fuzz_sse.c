/* libFuzzer target: the Server-Sent Events parser, fed whole and in uneven chunks. */
#include "fuzz.h"
#include "jelou/sse.h"
#include "jelou/xalloc.h"

struct seen {
    struct buf log;
};

static void
on_event(void *arg, const struct sse_event *ev)
{
    struct seen *s = arg;
    FUZZ_CHECK(ev->type != NULL && ev->type[0] != '\0' && ev->id != NULL);
    FUZZ_CHECK(ev->data != NULL && ev->data[ev->data_len] == '\0');
    buf_printf(&s->log, "%s|%s|", ev->type, ev->id);
    buf_append(&s->log, ev->data, ev->data_len);
    buf_append(&s->log, "\n", 1);
}

static void
on_retry(void *arg, long ms)
{
    struct seen *s = arg;
    FUZZ_CHECK(ms >= 0);
    buf_printf(&s->log, "retry %ld\n", ms);
}

static void
run(const uint8_t *data, size_t size, size_t chunk, struct seen *s)
{
    memset(s, 0, sizeof *s);
    struct sse_callbacks cb = {on_event, on_retry, NULL, s};
    struct sse *p = sse_new(&cb);
    for (size_t off = 0; off < size; off += chunk) {
        size_t len = size - off < chunk ? size - off : chunk;
        char *cause = NULL;
        if (sse_feed(p, (const char *)data + off, len, &cause) != 0) {
            FUZZ_CHECK(cause != NULL && strchr(cause, '\n') == NULL);
            free(cause);
            break;
        }
    }
    sse_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The chunk boundaries never change what is parsed. */
    struct seen whole, split;
    run(data, size, size > 0 ? size : 1, &whole);
    run(data, size, 1 + (size > 0 ? data[0] % 7 : 0), &split);
    FUZZ_CHECK(whole.log.len == split.log.len);
    FUZZ_CHECK(whole.log.len == 0 || memcmp(whole.log.data, split.log.data, whole.log.len) == 0);
    buf_free(&whole.log);
    buf_free(&split.log);
    return 0;
}
