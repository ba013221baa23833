/* The team server's private header: struct serve and what serve/'s pieces share. */
#ifndef SERVE_SERVE_H
#define SERVE_SERVE_H

#include <stddef.h>

/* Forward declarations: serve/ points to these, the .c files include their headers. */
struct httpd;
struct httpd_call;
struct httpd_request;
struct httpd_response;
struct idmap;
struct loop;
struct outbox;
struct outbox_entry;
struct redis;
struct redis_reply;
struct settings;
struct transport;

#define SERVE_POLL_MS 50          /* how often new events are fetched for the streams */
#define SERVE_PING_MS 15000       /* an SSE comment this often keeps proxies from closing */
#define SERVE_TICK_MS 1000        /* lease, token cache, spool replay, pings */
#define SERVE_CATCHUP_COUNT 200
#define SERVE_SEND_BATCH 64       /* outbox entries taken at a time */

struct serve;

/* One open GET /v1/events. */
struct client {
    struct serve *s;
    struct httpd_call *call;
    char *agent;
    char sha[65];
    char cursor[48];          /* the last id written (or the one it resumes after) */
    int live;                 /* fed by the shared poll; else catching up on its own */
    int fetching;
    long long last_write;
    struct client *prev, *next;
};

/* One message being sent by this instance (it holds the lease). */
struct job {
    struct serve *s;
    char *entry;              /* the outbox stream entry */
    struct outbox_entry *sent; /* the outbox's, once final: released when Redis has it */
    char *id;
    int reporting;            /* its final state is on its way to Redis */
    char *report_state;
    long http_status;
    int attempts;
    char *error;
    char *room;
    struct job *next_report;  /* waiting for Redis to take its report */
    struct job *prev, *next;  /* every job, for the shutdown */
};

struct serve {
    struct loop *loop;
    struct redis *redis;
    struct httpd *httpd;
    struct transport *t;
    struct outbox *ob;
    const struct settings *st; /* the caller's, for the whole run */
    char instance[40];
    char *spool;
    char *replaying;          /* spool.replaying: the file being replayed */
    int replay_busy;
    unsigned replay_left;
    int replay_failed;
    /* sha256(token) -> agent name, refreshed every tick (revocations take effect then). */
    struct redis_reply *tokens;
    int tokens_busy;
    struct client *clients;
    char tail[48];            /* the last event id the shared poll has seen */
    int tail_known;
    int tail_busy;
    int poll_busy;
    int lease;
    int lease_busy;
    int autoclaim;            /* just took the lease: take the pending entries over */
    char claim_cursor[48];
    int outbox_busy;
    unsigned sending;
    struct idmap *inflight;   /* message id -> job, so that a claimed entry is not sent
                                 twice by this instance */
    struct job *reports;
    struct job *jobs;
    int stop;
    int verbose;
};

/* serve.c: operational lines on stderr (never a secret or a token); a copy or NULL. */
void serve_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *serve_dup(const char *s);

/* http.c: answers, Redis replies' fields, the agents' tokens and the router. */
void serve_json_answer(struct httpd_response *resp, int status, char *body);
void serve_error_answer(struct httpd_response *resp, int status, const char *error,
                        const char *field);
void serve_finish_error(struct httpd_call *call, int status, const char *error,
                        const char *field);
void serve_finish_json(struct httpd_call *call, int status, char *body);
const char *serve_str(const struct redis_reply *r);
const char *serve_hash_get(const struct redis_reply *h, const char *field);
void serve_tokens_refresh(struct serve *s);
void serve_tokens_free(struct redis_reply *t);
void serve_on_http(void *arg, const struct httpd_request *req, struct httpd_response *resp);

/* hooks.c: Jelou's webhook, the local spool and its replay. */
void serve_webhook(struct serve *s, const struct httpd_request *req,
                   struct httpd_response *resp);
void serve_replay_spool(struct serve *s);

/* events.c: GET /v1/events (SSE), the shared poll, pings and catch-up on every tick. */
void serve_events(struct serve *s, const struct httpd_request *req,
                  struct httpd_response *resp, const char *agent, const char *sha);
void serve_poll_events(void *arg);
void serve_events_tick(struct serve *s);

/* rooms.c: GET /v1/rooms (the snapshot) and POST /v1/rooms/ROOM/OP. */
void serve_rooms_get(struct serve *s, const struct httpd_request *req,
                     struct httpd_response *resp);
void serve_room_post(struct serve *s, const struct httpd_request *req,
                     struct httpd_response *resp, const char *agent, const char *room,
                     const char *op);

/* messages.c: POST /v1/messages. */
void serve_message_post(struct serve *s, const struct httpd_request *req,
                        struct httpd_response *resp, const char *agent);

/* sender.c: the lease holder's sends and their reports. */
void serve_on_outbox_change(void *arg, struct outbox_entry *e);
void serve_pump_outbox(struct serve *s);
void serve_lease_renew(struct serve *s);
void serve_lease_release(struct serve *s);
void serve_job_free(struct job *j);

#endif
