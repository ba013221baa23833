/* The sandbox endpoint: verifies requests like Jelou would, logs them, can inject faults. */
#ifndef JELOU_MOCK_H
#define JELOU_MOCK_H

struct loop;
struct mock;
struct transport;

#define MOCK_WEBHOOK_PATH "/v1/external-support/webhook"
/* Where the media server serves media_dir's files: MOCK_MEDIA_PATH "photo.jpg". */
#define MOCK_MEDIA_PATH "/media/"
/* Larger files in media_dir are refused (403): the sandbox reads what it serves into memory. */
#define MOCK_MEDIA_MAX_BYTES (32L * 1024 * 1024)
/* The REST conversation API lives under either prefix, then "{projectId}/conversations/". */
#define MOCK_REST_PATH "/jelouapi/v1/external-support/"
#define MOCK_REST_PATH_OLD "/platform/v1/external-support/"
#define MOCK_DEFAULT_PROJECT "demo-project"
/* The bot of scripted events that name none. */
#define MOCK_DEFAULT_BOT "demo-bot"
/* Connections the webhook server takes at once, from one address too (fewer when the
 * limit on open files is lower): twice the largest send --parallel. */
#define MOCK_MAX_CONNECTIONS 2048

struct mock_opts {
    const char *addr;       /* default 127.0.0.1 */
    unsigned port;          /* 0: a free port */
    const char *secret;     /* signing secret to verify with */
    const char *log_path;   /* JSON-lines log, or NULL */
    int fail_first;         /* answer fail_status to the first N well-signed requests */
    double fail_rate;       /* and to this fraction of the rest (0..1) */
    int fail_status;        /* default 500 */
    const char *retry_after; /* a Retry-After value injected failures carry, or NULL */
    long delay_ms;          /* delay every answer */
    const char *delay_id;   /* the message with this value.id is answered after */
    long delay_id_ms;       /* this many ms instead (a slow line among fast ones) */
    /* When set, a second server on addr (a free port) serves this directory's plain files
     * over HTTPS at MOCK_MEDIA_PATH, with a certificate made at start that only clients
     * given mock_media_ca_pem trust. GET and HEAD, single byte ranges; never delayed and
     * never failed on purpose. Its requests go to the same log (verdict "media"). */
    const char *media_dir;
    /* The REST API answers only requests whose x-api-key equals this (401 otherwise, and
     * always without one). Never logged. */
    const char *api_key;
    const char *project;    /* the project of REST paths and events; MOCK_DEFAULT_PROJECT */
    /* Events go out the way Jelou sends them, signed with secret, to emit_to (the
     * console's listener): conversation.start/close on REST start/close, and the lines of
     * script. NULL emit_to: nothing is emitted. The transport posts them; required then. */
    struct transport *transport;
    const char *emit_to;
    /* JSON lines {"after_ms","event","room","user","name","type","text","url","mime",
     * "caption","filename","bot","reason","message"}, each emitted after_ms after the one
     * before; "{media}" in a url becomes the media server's base. Needs emit_to. */
    const char *script;
    /* Where the sandbox's complaints go (a log it cannot write, an event given up on), one
     * line each without a prefix. NULL: "jelou-console: mock: LINE" on stderr. */
    void (*report)(void *arg, const char *line);
    void *report_arg;
};

struct mock *mock_new(struct loop *l, const struct mock_opts *o, char **cause);
unsigned mock_port(const struct mock *m);
/* Requests the webhook server answered so far (media requests are not counted). */
unsigned long mock_requests(const struct mock *m);
/* The media server's port, or 0 without media_dir. */
unsigned mock_media_port(const struct mock *m);
/* The media server's certificate as PEM (its own trust anchor), or NULL without media_dir.
 * Valid until mock_free. */
const char *mock_media_ca_pem(const struct mock *m);
/* Events the console's listener answered with a 2xx, and those given up on. */
unsigned long mock_emitted(const struct mock *m);
unsigned long mock_emit_failed(const struct mock *m);
void mock_free(struct mock *m);

#endif
