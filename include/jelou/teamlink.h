/* The console's link to the team server: its event stream (SSE), kept on disk and resumed,
 * and its calls, moving to the next server URL when one stops answering. */
#ifndef JELOU_TEAMLINK_H
#define JELOU_TEAMLINK_H

#include <stddef.h>

struct loop;
struct transport;
struct transport_result;

/* No byte for this long (the server pings every 15 s): the stream is dead, reconnect. */
#define TEAMLINK_IDLE_MS 40000
/* Reconnect back-off: the first wait, doubling (with jitter) up to the last. */
#define TEAMLINK_BACKOFF_MS 1000
#define TEAMLINK_BACKOFF_MAX_MS 30000
/* The journal's size past which a start begins again from the server's snapshot. */
#define TEAMLINK_JOURNAL_MAX (64LL * 1024 * 1024)

struct teamlink_opts {
    /* Base URLs ("https://team.example:8443"), tried in turn: when one stops answering
     * (no connection, 5xx, an idle stream) the next is used. At least one; copied. */
    const char *const *servers;
    size_t nservers;
    const char *token;        /* the agent's bearer token; copied, wiped on free */
    /* Every event applied, one JSON line each ({"id","kind","room","data"}, data the
     * event's JSON object as a string), appended as it arrives (not fsynced: the server
     * has them all) and replayed by teamlink_start: its last id is where a restart
     * resumes (Last-Event-ID); a torn last line is cut off. NULL: nothing kept. */
    const char *journal;
    long idle_ms;             /* 0: TEAMLINK_IDLE_MS */
    /* A journal larger than this at start is not read back but emptied, and the rooms are
     * fetched again (the snapshot has each room's last messages): months of events do not
     * slow every start or fill the disk. 0: TEAMLINK_JOURNAL_MAX. */
    long long journal_max;
    long backoff_ms;          /* 0: TEAMLINK_BACKOFF_MS */
    long backoff_max_ms;      /* 0: TEAMLINK_BACKOFF_MAX_MS */
};

/* One event of GET /v1/events, valid during the call only. */
struct team_event {
    const char *id;           /* the stream id "MS-SEQ" */
    const char *kind;         /* message, conversation.start, agent.message.queued, ... */
    const char *room;         /* data's "room", or "" */
    const char *data;         /* one JSON object */
    size_t data_len;
    int replay;               /* read back from the journal at start, shown before */
};

struct teamlink_callbacks {
    /* Each event once, in stream order: replayed ones first, then live ones; an event
     * whose id is not after the last one delivered is dropped (never shown twice). */
    void (*on_event)(void *arg, const struct team_event *ev);
    /* GET /v1/rooms's answer (the whole JSON object), when there was no id to resume from
     * or the server said "reset" (the id was trimmed): the rooms as they are now. The
     * stream then continues from its "as_of". */
    void (*on_rooms)(void *arg, const char *json, size_t len);
    /* The link's state for the status line: connected 1 with "team.example:8443", or 0
     * with "server unreachable, retrying in 4s" (or why the server refused: 401). */
    void (*on_state)(void *arg, int connected, const char *text);
    void *arg;
};

typedef void (*teamlink_done_fn)(void *arg, const struct transport_result *r);

struct teamlink;

/* Nothing starts before teamlink_start. NULL with *cause on bad options. No callback runs
 * after teamlink_free, which must not be called from one of them; calls still in flight
 * are dropped then (their done is not called). */
struct teamlink *teamlink_new(struct transport *t, struct loop *l,
                              const struct teamlink_opts *o,
                              const struct teamlink_callbacks *cb, char **cause);
void teamlink_free(struct teamlink *tl);

/* Replays the journal (on_event with replay set), then connects: from the journal's last
 * id, or after GET /v1/rooms when there is none. -1 with *cause when the journal cannot be
 * read or opened for appending. */
int teamlink_start(struct teamlink *tl, char **cause);

/* The agent's name as the server knows it (GET /v1/me), once connected; NULL before. */
const char *teamlink_me(const struct teamlink *tl);

/* The server URL in use now (base, without a path). */
const char *teamlink_server(const struct teamlink *tl);

/* The bearer header for requests made elsewhere (the outbox): "Authorization: Bearer ..". */
const char *teamlink_auth_header(const struct teamlink *tl);

/* A call to the server in use: method "GET"/"POST", path "/v1/rooms/R/claim", body JSON
 * (NULL for none). A network failure or a 5xx moves to the next server and tries there
 * (each server once). done gets the final result. 0 or -1 with *cause. */
int teamlink_call(struct teamlink *tl, const char *method, const char *path,
                  const char *body, size_t len, teamlink_done_fn done, void *arg,
                  char **cause);

/* The stream failed or the current server stopped answering a call: from now on the
 * next server is used (the stream reconnects there). */
void teamlink_next_server(struct teamlink *tl);

#endif
