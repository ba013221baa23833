/* The demo: the embedded sandbox, sample rooms and a media catalog, no credentials. */
#include "jelou/demo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jelou/atomic.h"
#include "jelou/catalog.h"
#include "jelou/message.h"
#include "jelou/mock.h"
#include "jelou/record.h"
#include "jelou/session.h"
#include "jelou/sign.h"
#include "jelou/xalloc.h"

#ifndef JELOU_DATADIR
#define JELOU_DATADIR "/usr/local/share/jelou-console"
#endif
#ifndef JELOU_SRCDIR
#define JELOU_SRCDIR "."
#endif

static int
is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

const char *
demo_dir(void)
{
    const char *env = getenv("JELOU_DEMO_DIR");
    if (env && env[0])
        return env;
    /* An install under DESTDIR, or moved: the data dir it lives in, and no fallback that
     * would hide missing files behind the source tree's. */
    static char *from_datadir;
    const char *datadir = getenv("JELOU_DATADIR");
    if (datadir && datadir[0]) {
        if (from_datadir == NULL)
            from_datadir = xasprintf("%s/demo", datadir);
        return from_datadir;
    }
    if (is_dir(JELOU_DATADIR "/demo"))
        return JELOU_DATADIR "/demo";
    return JELOU_SRCDIR "/assets/demo";
}

int
demo_check_dir(const char *dir, char **cause)
{
    static const char *const files[] = {
        "rooms.jsonl", "media.catalog", "script.jsonl", "media/photo.jpg", "media/clip.mp4",
        "media/note.mp3", "media/guide.pdf", "../replies.example",
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *path = xasprintf("%s/%s", dir, files[i]);
        int rc = access(path, R_OK);
        if (rc != 0) {
            *cause = xasprintf("demo data %s: %s", path, strerror(errno));
            free(path);
            return -1;
        }
        free(path);
    }
    return 0;
}

static int
random_hex(char out[33], char **cause)
{
    unsigned char raw[16];
    if (sign_random(raw, sizeof raw) != 0) {
        *cause = xstrdup("no random bytes for the sandbox's secrets");
        return -1;
    }
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    return 0;
}

int
demo_prepare(struct demo *d, char **cause)
{
    memset(d, 0, sizeof *d);
    return random_hex(d->secret, cause) != 0 || random_hex(d->api_key, cause) != 0 ? -1 : 0;
}

int
demo_start(struct demo *d, struct loop *l, struct transport *t, const char *dir,
           const char *emit_to, char **cause)
{
    char *media = xasprintf("%s/media", dir);
    char *script = xasprintf("%s/script.jsonl", dir);
    struct stat sb;
    struct mock_opts mo = {
        .addr = "127.0.0.1",
        .secret = d->secret,
        .fail_status = 500,
        .media_dir = is_dir(media) ? media : NULL,
        .api_key = d->api_key,
        .transport = t,
        .emit_to = emit_to,
        .script = emit_to && stat(script, &sb) == 0 ? script : NULL,
        .report = d->report,
        .report_arg = d->report_arg,
    };
    d->mock = mock_new(l, &mo, cause);
    free(media);
    free(script);
    if (d->mock == NULL)
        return -1;
    d->endpoint = xasprintf("http://127.0.0.1:%u%s", mock_port(d->mock), MOCK_WEBHOOK_PATH);
    d->rest_base = xasprintf("http://127.0.0.1:%u%s{projectId}", mock_port(d->mock),
                             MOCK_REST_PATH);
    if (mock_media_port(d->mock)) {
        d->media_base = xasprintf("https://127.0.0.1:%u/media", mock_media_port(d->mock));
        d->ca_pem = mock_media_ca_pem(d->mock);
    }
    return 0;
}

void
demo_stop(struct demo *d)
{
    mock_free(d->mock);
    free(d->endpoint);
    free(d->rest_base);
    free(d->media_base);
    explicit_bzero(d->secret, sizeof d->secret);
    explicit_bzero(d->api_key, sizeof d->api_key);
    memset(d, 0, sizeof *d);
}

static void
set_from(char **dst, const struct record_view *v, const char *key)
{
    const char *s = record_get_str(v, key);
    if (s)
        xstrset(dst, s);
}

int
demo_load_rooms(const char *dir, struct session *s, long long now_ms, char **cause)
{
    char *path = xasprintf("%s/rooms.jsonl", dir);
    char *text = atomic_read(path, cause);
    if (text == NULL) {
        free(path);
        return -1;
    }
    int rc = 0;
    size_t lineno = 0;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        if (line[strspn(line, " \t\r")] == '\0' || line[0] == '#')
            continue;
        char *why = NULL;
        struct record_view *v = record_parse(line, strlen(line), &why);
        const char *room = v ? record_get_str(v, "room") : NULL;
        const char *dirn = v ? record_get_str(v, "dir") : NULL;
        const char *type = v ? record_get_str(v, "type") : NULL;
        long long ago = 0;
        if (v == NULL || room == NULL || dirn == NULL ||
            (type && msg_type_parse(type) == MSG_NONE)) {
            *cause = xasprintf("%s:%zu: %s", path, lineno,
                               why ? why : "needs room, dir and a known type");
            free(why);
            record_view_free(v);
            rc = -1;
            break;
        }
        struct room *r = session_open(s, room, record_get_str(v, "user"),
                                      record_get_str(v, "name"));
        r->state = ROOM_ACTIVE;
        enum chat_dir d = strcmp(dirn, "out") == 0 ? CHAT_OUT
                          : strcmp(dirn, "note") == 0 ? CHAT_NOTE : CHAT_IN;
        struct chat_msg *m = chat_msg_new(d, type ? msg_type_parse(type) : MSG_TEXT);
        set_from(&m->id, v, "id");
        set_from(&m->text, v, "text");
        set_from(&m->url, v, "url");
        set_from(&m->mime, v, "mime");
        set_from(&m->caption, v, "caption");
        set_from(&m->filename, v, "filename");
        record_get_int(v, "ago", &ago);
        m->time_ms = now_ms - ago * 1000;
        if (d == CHAT_OUT) {
            /* Sample replies "sent before": shown as accepted, from an earlier session. */
            m->state = SEND_ACCEPTED;
            m->http_status = 200;
            m->attempt = 1;
            m->earlier = 1;
        }
        if (m->id == NULL)
            m->id = xasprintf("demo-%zu", lineno);
        room_add(r, m);
        /* What the user wrote after the last reply is what the agent has not read. */
        if (d == CHAT_IN && m->time_ms > r->last_out_ms)
            r->unread++;
        else if (d == CHAT_OUT)
            r->unread = 0;
        record_view_free(v);
    }
    free(text);
    free(path);
    return rc;
}

int
demo_load_catalog(const char *dir, const char *media_base, struct catalog *c, char **cause)
{
    char *path = xasprintf("%s/media.catalog", dir);
    char *text = atomic_read(path, cause);
    if (text == NULL) {
        free(path);
        return -1;
    }
    struct buf out = {0};
    const char *base = media_base ? media_base : "https://media.demo.invalid/media";
    for (const char *p = text; *p;) {
        const char *hit = strstr(p, "{media}");
        if (hit == NULL) {
            buf_appends(&out, p);
            break;
        }
        buf_append(&out, p, (size_t)(hit - p));
        buf_appends(&out, base);
        p = hit + strlen("{media}");
    }
    int rc = catalog_load_text(out.data ? out.data : "", path, c, cause);
    buf_free(&out);
    free(text);
    free(path);
    return rc;
}
