/* MIME probe of a media URL: a ranged GET of its first 64 KiB, then libmagic on those bytes. */
#include "jelou/probe.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jelou/mime.h"
#include "jelou/transport.h"
#include "jelou/url.h"
#include "jelou/cause.h"
#include "jelou/xalloc.h"
#include "jelou/i18n.h"

struct probe {
    probe_done_fn done;
    void *arg;
};

/* "text/html; charset=utf-8" -> "text/html", for comparing with libmagic's bare answer. */
static char *
bare_type(const char *content_type)
{
    const char *s = content_type;
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strcspn(s, ";");
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return xstrndup(s, n);
}

static void
on_done(void *arg, const struct transport_result *r)
{
    struct probe *p = arg;
    struct probe_result res = {
        .type = MSG_NONE,
        .http_status = r->http_status,
        .bytes = r->body_len,
        .size = r->resource_size,
    };
    char *error = NULL, *mime = NULL, *server_type = NULL;

    if (r->network_error || r->http_status == 0) {
        error = xasprintf(_("cannot reach media URL: %s"), r->error ? r->error : _("no answer"));
        res.http_status = 0;
    } else if (r->http_status == 416) {
        /* The range starts at byte 0, so only an empty resource cannot satisfy it. */
        error = xstrdup(_("media URL returned no data (HTTP 416)"));
    } else if (r->http_status != 200 && r->http_status != 206) {
        error = xasprintf(_("media URL answered HTTP %ld"), r->http_status);
    } else if (r->body_len == 0) {
        error = xstrdup(_("media URL returned no data"));
    } else if (mime_detect_buffer(r->body, r->body_len, &mime, &error) == 0) {
        res.ok = 1;
        res.mime = mime;
        res.type = msg_type_for_mime(mime);
        /* Ogg's first page names its codec: WhatsApp plays Opus, not Vorbis or FLAC. */
        res.ogg_opus = memmem(r->body, r->body_len < 512 ? r->body_len : 512, "OpusHead", 8)
                       != NULL;
        if (r->content_type != NULL) {
            server_type = bare_type(r->content_type);
            if (strcasecmp(server_type, mime) != 0)
                res.server_type = server_type;
        }
    }
    res.error = error;

    probe_done_fn done = p->done;
    void *done_arg = p->arg;
    free(p);
    done(done_arg, &res);
    free(error);
    free(mime);
    free(server_type);
}

int
probe_start(struct transport *t, const char *url, probe_done_fn done, void *arg,
            char **cause)
{
    if (url_check_media(url, cause) != 0)
        return -1;

    struct probe *p = xcalloc(1, sizeof *p);
    p->done = done;
    p->arg = arg;
    /* Range keeps honest servers from sending more; stop_at_keep ends the transfer for
     * servers that ignore Range and answer 200 with the whole file. No retry: a probe is
     * cheap to repeat by hand, and the message itself has its own retries. */
    struct transport_request req = {
        .method = "GET",
        .url = url,
        .keep_bytes = MIME_PROBE_BYTES,
        .stop_at_keep = 1,
        .range = "0-65535",
        .retry = 0,
        .follow_redirects = 1,
        .on_done = on_done,
        .arg = p,
    };
    if (transport_submit(t, &req, cause) != 0) {
        free(p);
        return -1;
    }
    return 0;
}

int
probe_pick_type(const char *mime, enum msg_type want, int mime_forced,
                enum msg_type *type, char **cause)
{
    if (mime == NULL || *mime == '\0')
        return cause_fail(cause, xstrdup(_("no MIME type was detected")));

    int web = mime_is_web_page(mime);
    enum msg_type family = msg_type_for_mime(mime);

    switch (want) {
    case MSG_NONE:
        break;
    case MSG_IMAGE:
    case MSG_VIDEO:
    case MSG_AUDIO:
        /* mime_forced lets a mislabelled file through, but not a web page (checked below):
         * the end user would get a broken player. */
        if (mime_forced)
            family = want;
        break;
    case MSG_DOCUMENT:
        /* A page sent as a document is the one deliberate way to share HTML. */
        if (web || family == MSG_DOCUMENT || mime_forced) {
            *type = MSG_DOCUMENT;
            return 0;
        }
        break;
    case MSG_TEXT:
    default:
        return cause_fail(cause,
                          xasprintf(_("type %s does not take a media URL"), msg_type_name(want)));
    }

    if (web) {
        char *b = bare_type(mime);
        int rc = cause_fail(cause,
                            xasprintf(_("this URL serves a web page (%s), not a media file"), b));
        free(b);
        return rc;
    }
    if (want != MSG_NONE && family != want) {
        char *b = bare_type(mime);
        int rc = cause_fail(cause, xasprintf(_("detected %s but --type %s was given"), b,
                                       msg_type_name(want)));
        free(b);
        return rc;
    }
    *type = family;
    return 0;
}
