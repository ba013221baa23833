/* MIME probe of a media URL: a ranged GET of the first 64 KiB, then libmagic. */
#ifndef JELOU_PROBE_H
#define JELOU_PROBE_H

#include "jelou/message.h"

struct transport;

struct probe_result {
    int ok;                 /* 1 when mime/type are set */
    const char *mime;       /* libmagic's answer */
    enum msg_type type;     /* the message type that mime maps to */
    const char *server_type; /* the server's Content-Type when it disagrees, else NULL */
    long http_status;
    size_t bytes;           /* bytes transferred for detection */
    long long size;         /* the whole file's bytes, from Content-Range or Content-Length;
                               -1 when the server did not say */
    int ogg_opus;           /* an Ogg file: 1 when its first stream is Opus, else 0 */
    const char *error;      /* one line when !ok */
};

typedef void (*probe_done_fn)(void *arg, const struct probe_result *r);

/* Starts probing url (must pass url_check_media). done is called once from the loop.
 * Returns 0 or -1 with *cause (done is then not called). */
int probe_start(struct transport *t, const char *url, probe_done_fn done, void *arg,
                char **cause);

/* Decides the message type for a detected mime when the user asked for want
 * (MSG_NONE: detect). Refuses web pages offered as media and contradictions.
 * Returns 0 with *type set, or -1 with *cause. */
int probe_pick_type(const char *mime, enum msg_type want, int mime_forced,
                    enum msg_type *type, char **cause);

#endif
