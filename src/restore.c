/* Earlier sessions read back: rooms and transcripts from the event journal and history. */
#include "jelou/restore.h"

#include <stdlib.h>
#include <string.h>

#include "jelou/event.h"
#include "jelou/history.h"
#include "jelou/idmap.h"
#include "jelou/record.h"
#include "jelou/session.h"
#include "jelou/xalloc.h"

struct each_event {
    void (*fn)(void *arg, const struct event *ev, long long when);
    void *arg;
};

/* A journal line is {"time","event","id","room","user","body"}: the body is the raw
 * request as it was signed, so it is parsed the way the listener parsed it. */
static int
event_line(void *arg, const char *line, size_t len)
{
    struct each_event *ee = arg;
    struct record_view *v = record_parse(line, len, NULL);
    const char *body = record_get_str(v, "body");
    struct event *ev = NULL;
    long long time = 0;

    if (body == NULL || event_parse(body, strlen(body), &ev, NULL) != 0) {
        record_view_free(v);
        return -1;
    }
    if (record_get_int(v, "time", &time) != 0)
        time = 0;
    record_view_free(v);
    ee->fn(ee->arg, ev, ev->timestamp_ms ? ev->timestamp_ms : time);
    event_free(ev);
    return 0;
}

int
restore_events_each(const char *path,
                    void (*fn)(void *arg, const struct event *ev, long long when), void *arg,
                    size_t *skipped, char **cause)
{
    struct each_event ee = {fn, arg};
    return record_each_line(path, event_line, &ee, skipped, cause);
}

/* One read of the two files into a session: at start every room, on demand one room's
 * messages before a time. */
struct loader {
    struct session *s;
    const struct restore_opts *o;
    size_t keep;
    const char *room;         /* on demand: only this room... */
    long long before;         /* ...and only what is older than this */
    struct idmap *sends;      /* send id -> its message: a later line (a retry) updates it */
    struct restore_stats *st;
};

static int
wanted(const struct loader *ld, const char *room, long long when)
{
    return ld->room == NULL || (room != NULL && strcmp(room, ld->room) == 0 &&
                                when < ld->before);
}

static void
forget_send(void *arg, struct chat_msg *m)
{
    struct loader *ld = arg;
    if (m->dir == CHAT_OUT && idmap_get(ld->sends, m->id) == m)
        idmap_del(ld->sends, m->id);
}

/* Trimming at four times keep, down to keep, costs O(log keep) per message, amortised:
 * linear in the journal, and a room never holds more than 4 x keep while reading. */
static void
bound(struct loader *ld, struct room *r)
{
    if (r->nmsgs >= 4 * ld->keep)
        room_trim(r, ld->keep, forget_send, ld);
}

static void
load_event(void *arg, const struct event *ev, long long when)
{
    struct loader *ld = arg;
    const struct restore_opts *o = ld->o;
    struct chat_msg *m = NULL;

    /* Every event feeds the seen-set, also those the session has no use for. */
    if (ld->room == NULL && o->seen != NULL && o->seen(o->arg, ev)) {
        ld->st->repeats++;
        return;
    }
    if (!wanted(ld, ev->room, when))
        return;
    struct room *r = session_apply_event(ld->s, ev, when, &m);
    if (r == NULL)
        return;
    ld->st->events++;
    if (m != NULL) {
        m->earlier = 1;
        if (ld->room == NULL && o->on_msg != NULL)
            o->on_msg(o->arg, r, m);
    }
    bound(ld, r);
}

static void
load_send(void *arg, struct history_entry *h)
{
    struct loader *ld = arg;
    const struct restore_opts *o = ld->o;
    struct room *r = NULL;

    if (!wanted(ld, h->room, h->time_ms))
        return;
    ld->st->sends++;
    struct chat_msg *m = idmap_get(ld->sends, h->id);
    if (m == NULL) {
        r = session_open(ld->s, h->room, h->user, NULL);
        m = chat_msg_new(CHAT_OUT, h->type);
        m->earlier = 1;
        if (h->type == MSG_TEXT) {
            chat_msg_pack(m, h->id, h->preview);
            h->preview = NULL;
        } else {
            m->id = h->id;
            m->url = h->url;
            h->url = NULL;
        }
        h->id = NULL;
        m->time_ms = h->time_ms;
        room_add(r, m);
        idmap_put(ld->sends, m->id, m);
    }
    /* A later line for the same id (a retry) has the final word. */
    m->state = h->state;
    m->attempt = h->attempts;
    m->tries = h->attempts;
    m->http_status = h->http_status;
    free(m->error);
    m->error = h->error;
    h->error = NULL;
    if (r != NULL) {
        if (ld->room == NULL && o->on_msg != NULL)
            o->on_msg(o->arg, r, m);
        bound(ld, r);
    }
}

/* Reads both files into ld->s; the first failure is the one reported. */
static int
load(struct loader *ld, char **cause)
{
    const struct restore_opts *o = ld->o;
    int rc = 0;
    char *why = NULL;

    ld->sends = idmap_new();
    /* Events first: a user's message and a reply of the same millisecond read in the order
     * a conversation has them. */
    if (o->events != NULL &&
        restore_events_each(o->events, load_event, ld, &ld->st->events_skipped, &why) != 0) {
        rc = -1;
        *cause = why;
        why = NULL;
    }
    if (o->history != NULL &&
        history_each(o->history, load_send, ld, &ld->st->sends_skipped, &why) != 0) {
        if (rc == 0)
            *cause = why;
        else
            free(why);
        rc = -1;
    }
    idmap_free(ld->sends);
    ld->sends = NULL;
    return rc;
}

int
restore_session(struct session *s, const struct restore_opts *o, struct restore_stats *st,
                char **cause)
{
    struct restore_stats unused;
    if (st == NULL)
        st = &unused;
    memset(st, 0, sizeof *st);
    struct loader ld = {
        .s = s, .o = o, .keep = o->keep ? o->keep : RESTORE_KEEP, .st = st,
    };
    int rc = load(&ld, cause);
    for (size_t i = 0; i < s->nrooms; i++) {
        room_trim(s->rooms[i], ld.keep, NULL, NULL);
        room_update_wait(s->rooms[i]);
    }
    return rc;
}

int
restore_older(struct room *r, const struct restore_opts *o, size_t *n, char **cause)
{
    struct restore_stats st = {0};
    *n = 0;
    if (r == NULL || !r->older)
        return 0;
    /* A session of its own, so that nothing read here touches the room's state or
     * counters: only the messages move over. */
    struct session *tmp = session_new();
    struct loader ld = {
        .s = tmp, .o = o, .keep = o->keep ? o->keep : RESTORE_KEEP,
        .room = r->id, .before = r->older_before, .st = &st,
    };
    int rc = load(&ld, cause);
    struct room *got = session_room(tmp, r->id);
    if (rc == 0) {
        room_trim(got, ld.keep, NULL, NULL);
        *n = got ? got->nmsgs : 0;
        if (got != NULL)
            room_take_older(r, got);
        else
            r->older = 0;
    } else {
        r->older = 0; /* asked once: the screen does not ask again at every frame */
    }
    session_free(tmp);
    return rc;
}
