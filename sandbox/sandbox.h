/* What the sandbox's pieces share: the mock's state and each piece's entry points. */
#ifndef JELOU_SANDBOX_H
#define JELOU_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

#include "jelou/event.h"

struct emission;
struct mock_opts;
struct httpd;
struct httpd_request;
struct httpd_response;
struct record;
struct script_line;
struct mock_integration;

/* One struct for all five pieces: they share the log's sequence, the loop and the
 * conversations, and each file reads only the fields its section names. */
struct mock {
    /* mock.c: the webhook server and what every piece writes to */
    struct httpd *httpd;
    struct loop *loop;
    char *addr;
    char *secret;               /* wiped before it is freed */
    char *project;
    char *log_path;
    unsigned long requests;     /* answered, whatever the verdict */
    unsigned long seq;          /* log lines, webhook and media alike */
    int log_failed;             /* the log write error was already reported */
    long delay_ms;
    char *delay_id;             /* answered after delay_id_ms instead, or NULL */
    long delay_id_ms;
    void (*report)(void *arg, const char *line);
    void *report_arg;
    /* judge.c: fault injection */
    int fail_first;
    double fail_rate;
    int fail_status;
    char *retry_after;          /* sent with injected failures, or NULL */
    unsigned long well_formed;  /* signed and parsed: the ones fault injection counts */
    uint64_t rng;
    /* media.c */
    struct httpd *media;        /* NULL without media_dir */
    char *media_dir;
    char *media_cert;           /* PEM */
    char *media_key;            /* PEM; wiped before it is freed */
    /* rest_table.c */
    char *api_key;              /* wiped before it is freed; never logged */
    struct mock_integration *integration; /* the project's, on the REST base itself */
    struct conv *convs;
    size_t nconvs, capconvs;
    /* emit.c */
    struct transport *transport;
    char *emit_to;
    struct emission *emit_head, *emit_tail; /* the head is on the wire or waiting to retry */
    int emit_timer;             /* the head's retry, or -1 */
    unsigned long emitted, emit_failed;
    /* script.c */
    struct script_line *script;
    size_t nscript, script_next;
    int script_timer;           /* the next line's, or -1 */
};

/* A conversation of the REST API's table. */
struct conv {
    char *id, *room, *user, *user_name, *bot;
    int active;
    long long start_ms, end_ms;   /* Unix ms */
    char *reason;                 /* endedReason */
};

/* mock.c: the clock of the log and the events, and where complaints and log lines go. */
void mock_complain(struct mock *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends line (taken) to the log, synced before the answer leaves. */
void mock_write_log(struct mock *m, char *line);
/* A request's log line with the fields every line of a request starts with (seq, time,
 * method, path), for the caller to finish and hand to mock_write_log; NULL without a log. */
struct record *mock_log_request(const struct mock *m, const struct httpd_request *req);
/* {"error":"..."}: the answer of a refused webhook or media request. */
char *mock_error_body(const char *text);

/* judge.c: the webhook, verified like Jelou does, failed on purpose when asked. */
void mock_judge(struct mock *m, const struct httpd_request *req, struct httpd_response *resp);

/* media.c: the HTTPS media server. */
int mock_media_start(struct mock *m, const struct mock_opts *o, char **cause);
void mock_media_stop(struct mock *m);
/* The Content-Type of a file name, by its extension. */
const char *mock_media_type(const char *name);
/* The media server's base for "{media}" in a script, or NULL without one. */
char *mock_media_base(const struct mock *m);

/* rest_table.c: the REST conversation API and its table. */
/* The part of path after a REST prefix, or NULL when it is not a REST path. */
const char *mock_rest_path(const char *path);
/* Answers and logs one REST request; rest is what mock_rest_path returned. */
void mock_rest(struct mock *m, const struct httpd_request *req, const char *rest,
               struct httpd_response *resp);
/* The active conversation of user (with bot, when bot is not NULL), or NULL. */
struct conv *mock_conv_active(struct mock *m, const char *user, const char *bot);
/* A new active conversation; room and name NULL: the user's last known ones. */
struct conv *mock_conv_new(struct mock *m, const char *user, const char *bot, const char *room,
                           const char *name);
void mock_conv_close(struct conv *c, const char *reason);
void mock_convs_free(struct mock *m);

/* emit.c: events to the console's listener, one at a time, retried while it starts. */
/* Serializes and signs ev once, then queues those bytes; nothing without emit_to. */
void mock_emit(struct mock *m, const struct event *ev);
/* What every event about c carries (name is kept, not copied); the caller adds the rest. */
struct event mock_conv_event(const struct mock *m, const struct conv *c, enum event_kind kind,
                             char *name);
void mock_emit_conv(struct mock *m, const struct conv *c, enum event_kind kind,
                    const char *message);
void mock_emit_stop(struct mock *m);

/* script.c: the scripted users. */
int mock_script_load(struct mock *m, const char *path, char **cause);
/* Arms the first line's timer; nothing without a script. */
void mock_script_start(struct mock *m);
void mock_script_free(struct mock *m);

#endif
