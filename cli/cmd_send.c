/* jelou-console send: one message from flags, or a batch of JSON lines, through the outbox. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jelou/i18n.h"
#include "jelou/journal.h"
#include "jelou/loop.h"
#include "jelou/message.h"
#include "jelou/outbox.h"
#include "jelou/probe.h"
#include "jelou/record.h"
#include "jelou/sign.h"
#include "jelou/transport.h"
#include "jelou/url.h"
#include "jelou/whatsapp.h"
#include "jelou/xalloc.h"
#include "cli.h"

enum job_status { JOB_PENDING, JOB_ACCEPTED, JOB_FAILED, JOB_INVALID };

/* Lines read ahead of the oldest unfinished one, beyond --parallel: enough to keep every
 * slot busy while earlier results wait to be written in input order, few enough that a
 * batch of any length holds the same memory. */
#define BATCH_READ_AHEAD 256
/* Bytes asked of the input at a time. */
#define BATCH_READ_CHUNK 65536

struct job {
    struct send_ctx *ctx;
    size_t line;             /* 1-based input line, 0 in single mode */
    struct message *msg;     /* until the outbox takes it */
    struct outbox_entry *entry;
    char *parse_error;       /* the line could not be read */
    enum job_status status;
    int network_error;
    long http_status;
    int attempts;
    char *error;
    char *raw;               /* --resume: the exact bytes to send again */
    size_t raw_len;
    char *id, *room, *user;  /* what the result line reports */
    enum msg_type type;
    long long media_size;    /* what the probe learnt of the media, for WhatsApp's rules */
    int ogg_opus;            /* -1: not probed */
};

/* The batch's input, read as it is sent: a file or a pipe that may still be open. */
struct input {
    const char *path;
    int fd;                  /* -1: nothing (more) to read */
    char *buf;               /* bytes read and not yet taken as lines */
    size_t off, len, cap;
    size_t lineno;
    int eof;
    int failed;              /* a read error: said on stderr, the exit status says so */
    int watch;               /* loop source id while waiting for the input, or -1 */
};

struct send_ctx {
    struct settings st;
    struct transport *t;
    struct loop *loop;
    struct outbox *ob;
    /* A window of cap jobs (a ring, by sequence number modulo cap): from the oldest one
     * not yet written (next_print) to the last one read (njobs). */
    struct job *jobs;
    size_t cap;
    size_t njobs;
    size_t next_start;
    size_t next_print;
    size_t finished;
    struct input in;
    int probing;             /* MIME probes in flight */
    struct journal *journal;
    int parallel;
    int pumping;
    int json;
    int batch;
    int dry_run;
    int dry_run_printed;
    int quiet;               /* --quiet: no WhatsApp warnings on stderr */
    int progress;
    int journal_failed;      /* a journal write failed: the exit status says so */
    struct buf out;          /* this turn's --json / batch result lines, written after the
                              * journal has what they report */
    size_t accepted, failed, invalid, network;
};

/* printf formats: the numbers come in as %d so that each text is one translatable string. */
static const char send_usage[] = N_(
    "Usage: jelou-console send --room R --user U --text TEXT [options]\n"
    "       jelou-console send --room R --user U --attach URL [--type T] [--caption C]\n"
    "                          [--filename F] [--mime M] [options]\n"
    "       jelou-console send --batch FILE|- [--parallel N] [options]\n"
    "       jelou-console send --resume [--parallel N] [options]\n"
    "\n"
    "Sends signed messages to Jelou's external support webhook.\n"
    "\n"
    "  --room R           room_id of the conversation\n"
    "  --user U           user_id of the end user\n"
    "  --text TEXT        a text message\n"
    "  --attach URL       a media message (https:// only); type and MIME are detected\n"
    "  --type T           text, image, video, audio or document (skips detection with --mime)\n"
    "  --caption C        caption (image, video)\n"
    "  --filename F       file name shown to the user (document)\n"
    "  --mime M           MIME type, taken as given (no detection)\n"
    "  --id ID            value.id to use (default: a new UUID); reuse it to resend safely\n"
    "  --dry-run          print the exact request that would be sent; send nothing\n"
    "  --json             print one JSON result object per message\n"
    "  --quiet            no warnings on stderr about WhatsApp's limits (text over 4,096\n"
    "                     characters, caption over 1,024, media type or size it refuses)\n"
    "  --batch FILE|-     one JSON object per line: {\"room\",\"user\",\"type\",\n"
    "                     \"text\"|\"url\",\"caption\",\"filename\",\"mime\",\"id\"};\n"
    "                     one result line each, in input order, written as they\n"
    "                     finish; lines are read as they are sent (--parallel + 256\n"
    "                     ahead of the oldest result not yet written)\n"
    "  --parallel N       messages in flight at once in a batch (default %d, 1..%d); over\n"
    "                     HTTP/1.1 each is a connection of its own, over HTTP/2 (https)\n"
    "                     they share a few connections as streams\n"
    "  --resume           send again what a stopped console or send had queued but not\n"
    "                     finished (its outbox journal), with the same ids and bytes\n"
    "\n");

static const char send_exit_status[] = N_(
    "\n"
    "Exit status: 0 sent (2xx), 1 refused or failed after retries, or the outbox journal\n"
    "could not be written (said on stderr; a message it could not record is not sent),\n"
    "2 bad input or configuration (nothing sent), 3 network failure.\n");

enum {
    OPT_ROOM = OPT_FIRST_COMMAND_OPTION,
    OPT_USER,
    OPT_TEXT,
    OPT_ATTACH,
    OPT_TYPE,
    OPT_CAPTION,
    OPT_FILENAME,
    OPT_MIME,
    OPT_ID,
    OPT_DRY_RUN,
    OPT_JSON,
    OPT_QUIET,
    OPT_BATCH,
    OPT_PARALLEL,
    OPT_RESUME,
    OPT_HELP,
};

static void pump(struct send_ctx *c);

static struct job *
job_at(struct send_ctx *c, size_t seq)
{
    return &c->jobs[seq % c->cap];
}

static void
job_clear(struct job *j)
{
    message_free(j->msg);
    free(j->parse_error);
    free(j->raw);
    free(j->error);
    free(j->id);
    free(j->room);
    free(j->user);
    memset(j, 0, sizeof *j);
}

/* The result lines gathered so far, onto stdout's buffer (flushed once per turn). */
static void
write_results(struct send_ctx *c)
{
    if (c->out.len > 0)
        fwrite(c->out.data, 1, c->out.len, stdout);
    c->out.len = 0;
}

static void
print_result(struct send_ctx *c, struct job *j)
{
    const char *status = j->status == JOB_ACCEPTED ? "accepted"
                         : j->status == JOB_FAILED ? "failed" : "invalid";
    if (c->dry_run && j->status == JOB_ACCEPTED)
        return; /* the request itself was printed */
    if (c->json || c->batch) {
        /* --dry-run prints requests as it goes: its results keep their place among them. */
        struct buf *b = &c->out;
        record_line_begin(b);
        record_line_str(b, "id", j->id);
        record_line_str(b, "room", j->room);
        record_line_str(b, "user", j->user);
        record_line_str(b, "type", j->type == MSG_NONE ? NULL : msg_type_name(j->type));
        record_line_str(b, "status", status);
        if (j->http_status > 0)
            record_line_int(b, "http_status", j->http_status);
        else
            record_line_str(b, "http_status", NULL);
        record_line_int(b, "attempts", j->attempts);
        record_line_str(b, "error", j->error);
        record_line_end(b);
        buf_append(b, "\n", 1);
        if (c->dry_run)
            write_results(c);
        return;
    }
    /* The plain line is for a person: in the agent's language (scripts read --json, whose
     * words never change, or the exit status). */
    if (j->status == JOB_ACCEPTED) {
        printf(P_("accepted %ld: %s message %s to room %s, user %s (%d attempt)\n",
                  "accepted %ld: %s message %s to room %s, user %s (%d attempts)\n",
                  j->attempts),
               j->http_status, msg_type_name(j->type), j->id, j->room, j->user, j->attempts);
    } else if (j->status == JOB_FAILED) {
        cli_error(P_("failed after %d attempt: %s (id %s; resend with --id %s)",
                     "failed after %d attempts: %s (id %s; resend with --id %s)", j->attempts),
                  j->attempts, j->error, j->id, j->id);
    } else {
        cli_error("%s", j->error);
    }
}

/* Writes the results that are next in input order and frees their jobs: the window moves
 * on. Called from the main loop only, never from a callback (it frees outbox entries). */
static void
flush_results(struct send_ctx *c)
{
    size_t before = c->next_print;
    while (c->next_print < c->njobs && job_at(c, c->next_print)->status != JOB_PENDING) {
        struct job *j = job_at(c, c->next_print);
        print_result(c, j);
        if (j->entry != NULL)
            outbox_release(c->ob, j->entry);
        job_clear(j);
        c->next_print++;
    }
    if (c->progress && c->next_print != before) {
        int done = c->in.fd < 0 && c->finished == c->njobs;
        /* The carriage return stays out of the text: translators need not see it. */
        fputc('\r', stderr);
        fprintf(stderr, _("send: %zu/%zu%s done, %zu accepted, %zu failed, %zu invalid "),
                c->finished, c->njobs, done ? "" : "+", c->accepted, c->failed, c->invalid);
        if (done)
            fputc('\n', stderr);
    }
}

static void
remember(struct job *j, const struct message *m)
{
    xstrset(&j->id, m->id);
    xstrset(&j->room, m->room);
    xstrset(&j->user, m->user);
    j->type = m->type;
}

static void
finish(struct job *j, enum job_status status, char *error)
{
    struct send_ctx *c = j->ctx;
    j->status = status;
    free(j->error);
    j->error = error;
    if (j->msg) {
        remember(j, j->msg);
        message_free(j->msg);
        j->msg = NULL;
    }
    if (status == JOB_ACCEPTED)
        c->accepted++;
    else if (status == JOB_FAILED)
        c->failed++;
    else
        c->invalid++;
    if (j->network_error)
        c->network++;
    c->finished++;
    pump(c);
}

static void
invalid(struct job *j, char *cause)
{
    if (j->line > 0) {
        char *lined = xasprintf("line %zu: %s", j->line, cause);
        free(cause);
        cause = lined;
    }
    finish(j, JOB_INVALID, cause);
}

static void
on_change(void *arg, struct outbox_entry *e)
{
    (void)arg;
    struct job *j = e->user;
    /* A wait the server asked for can be long: say why the command is quiet. */
    if (j != NULL && e->state == SEND_SENDING && e->retry_in_ms > 0 && e->retry_asked)
        cli_error(_("HTTP %ld for message %s: retrying in %lds (attempt %d of %d)"),
                  e->http_status, e->msg->id, (e->retry_in_ms + 999) / 1000, e->attempt + 1,
                  e->max_attempts);
    if (j == NULL || (e->state != SEND_ACCEPTED && e->state != SEND_FAILED))
        return;
    j->attempts = e->attempt;
    j->http_status = e->http_status;
    j->network_error = e->network_error;
    remember(j, e->msg);
    finish(j, e->state == SEND_ACCEPTED ? JOB_ACCEPTED : JOB_FAILED,
           e->error ? xstrdup(e->error) : NULL);
}

/* Exactly what would go on the wire, as curl -v would show it; the secret is not in it. */
static void
print_dry_run(struct send_ctx *c, const char *body, const char *sig)
{
    if (c->dry_run_printed++ > 0)
        putchar('\n');
    printf("POST %s\nContent-Type: application/json\nX-Jelou-Signature: %s\n\n%s\n",
           c->st.endpoint, sig, body);
}

/* After outbox_add_raw: bytes already sealed can only be refused by the journal, and a
 * message it could not record is failed, never sent. */
static void
admitted(struct job *j, char *cause)
{
    if (j->entry == NULL) {
        finish(j, JOB_FAILED, xasprintf("not sent: %s", cause));
        free(cause);
        return;
    }
    j->entry->user = j;
}

/* WhatsApp's rules, on stderr: a warning, not a refusal, since other channels take more.
 * Human words; stdout and --json stay the same whatever they say. */
static void
warn_whatsapp(const struct job *j)
{
    const struct message *m = j->msg;
    struct whatsapp_facts f = {
        .type = m->type, .body = m->body, .mime = m->mime, .size = j->media_size,
        .ogg_opus = j->ogg_opus,
        .caption = m->type == MSG_IMAGE || m->type == MSG_VIDEO ? m->caption : NULL,
    };
    char *w = j->ctx->quiet ? NULL : whatsapp_warnings(&f);
    if (w == NULL)
        return;
    if (j->line)
        fprintf(stderr, _("send: line %zu: warning: %s\n"), j->line, w);
    else
        fprintf(stderr, _("send: warning: %s\n"), w);
    free(w);
}

static void
submit(struct job *j)
{
    struct send_ctx *c = j->ctx;
    char *cause = NULL;
    char *body;
    size_t len;
    char sig[SIGN_HEADER_LEN + 1];
    if (outbox_seal(j->msg, c->st.secret, &body, &len, sig, &cause) != 0) {
        invalid(j, cause);
        return;
    }
    warn_whatsapp(j);
    if (c->dry_run) {
        print_dry_run(c, body, sig);
        free(body);
        finish(j, JOB_ACCEPTED, NULL);
        return;
    }
    struct message *m = j->msg;
    remember(j, m);
    j->msg = NULL;
    j->entry = outbox_add_raw(c->ob, m, body, len, &cause);
    free(body);
    admitted(j, cause);
}

static void
on_probe(void *arg, const struct probe_result *r)
{
    struct job *j = arg;
    char *cause = NULL;
    j->ctx->probing--;
    pump(j->ctx);
    if (!r->ok) {
        j->network_error = r->http_status == 0;
        if (j->network_error) {
            finish(j, JOB_FAILED, xstrdup(r->error));
            return;
        }
        invalid(j, xstrdup(r->error));
        return;
    }
    enum msg_type type;
    if (probe_pick_type(r->mime, j->msg->type, j->msg->mime_forced, &type, &cause) != 0) {
        invalid(j, cause);
        return;
    }
    j->msg->type = type;
    if (j->msg->mime == NULL)
        j->msg->mime = xstrdup(r->mime);
    j->media_size = r->size;
    j->ogg_opus = r->ogg_opus;
    submit(j);
}

static int
needs_probe(const struct job *j)
{
    const struct message *m = j->msg;
    return j->parse_error == NULL && j->raw == NULL && m != NULL && m->url != NULL &&
           m->type != MSG_TEXT && m->mime == NULL;
}

static void
start_job(struct job *j)
{
    struct send_ctx *c = j->ctx;
    struct message *m = j->msg;
    char *cause = NULL;
    if (j->parse_error) {
        invalid(j, xstrdup(j->parse_error));
        return;
    }
    if (j->raw != NULL) {
        /* A message a stopped process had queued: the same bytes, so the same id. */
        remember(j, m);
        j->msg = NULL;
        j->entry = outbox_add_raw(c->ob, m, j->raw, j->raw_len, &cause);
        admitted(j, cause);
        return;
    }
    if (m->project == NULL)
        xstrset(&m->project, c->st.project);
    if (m->bot == NULL)
        xstrset(&m->bot, c->st.bot);
    if (m->id == NULL)
        m->id = sign_uuid4();
    /* A MIME given by hand decides the type too: nothing to probe. */
    if (m->url != NULL && m->type == MSG_NONE && m->mime != NULL)
        m->type = msg_type_for_mime(m->mime);
    remember(j, m);
    if (m->url != NULL && m->type != MSG_TEXT && (m->type == MSG_NONE || m->mime == NULL)) {
        if (url_check_media(m->url, &cause) != 0 ||
            probe_start(c->t, m->url, on_probe, j, &cause) != 0)
            invalid(j, cause);
        else
            c->probing++;
        return;
    }
    if (m->type == MSG_NONE)
        m->type = m->url ? MSG_DOCUMENT : MSG_TEXT;
    submit(j);
}

static void
pump(struct send_ctx *c)
{
    if (c->pumping)
        return;
    c->pumping = 1;
    /* Every message goes to the outbox (and so into its journal) at once, where transfers
     * wait for a free slot; only MIME probes are held back here, in input order. */
    while (c->next_start < c->njobs) {
        struct job *j = job_at(c, c->next_start);
        if (needs_probe(j) && c->probing >= c->parallel)
            break;
        c->next_start++;
        start_job(j);
    }
    c->pumping = 0;
}

static int
input_open(struct send_ctx *c, const char *path)
{
    struct input *in = &c->in;
    in->path = path;
    in->watch = -1;
    in->fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (in->fd < 0) {
        cli_error(_("cannot read batch file %s: %s"), path, strerror(errno));
        return -1;
    }
    return 0;
}

static void
input_close(struct input *in, struct loop *l)
{
    if (in->watch >= 0)
        loop_remove(l, in->watch);
    in->watch = -1;
    if (in->fd > STDIN_FILENO)
        close(in->fd);
    in->fd = -1;
    free(in->buf);
    in->buf = NULL;
}

/* The input became readable: the next turn of the main loop reads it. */
static void
on_input(void *arg, short revents)
{
    (void)arg;
    (void)revents;
}

/* The next line in the input's buffer, reading what is there without waiting for more.
 * NULL when no whole line is buffered (*wait: the input has none ready yet) or at the end. */
static char *
input_line(struct input *in, size_t *n, int *wait)
{
    *wait = 0;
    for (;;) {
        char *start = in->buf + in->off;
        char *nl = in->len > in->off ? memchr(start, '\n', in->len - in->off) : NULL;
        if (nl != NULL || (in->eof && in->len > in->off)) {
            size_t k = nl ? (size_t)(nl - start) : in->len - in->off;
            in->off += nl ? k + 1 : k;
            start[k] = '\0';
            *n = k;
            return start;
        }
        if (in->eof)
            return NULL;
        /* A pipe whose writer is slow must not stop the sends in flight: read only what
         * poll says is there (a read then returns without waiting). */
        struct pollfd p = {.fd = in->fd, .events = POLLIN};
        if (poll(&p, 1, 0) == 0) {
            *wait = 1;
            return NULL;
        }
        if (in->off > 0) {
            memmove(in->buf, in->buf + in->off, in->len - in->off);
            in->len -= in->off;
            in->off = 0;
        }
        if (in->cap - in->len < BATCH_READ_CHUNK + 1) {
            in->cap = in->len + BATCH_READ_CHUNK + 1;
            in->buf = xrealloc(in->buf, in->cap);
        }
        ssize_t got = read(in->fd, in->buf + in->len, BATCH_READ_CHUNK);
        if (got < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (got < 0) {
            cli_error(_("cannot read batch file %s: %s"), in->path, strerror(errno));
            in->failed = 1;
            in->eof = 1;
            in->len = in->off = 0;
            return NULL;
        }
        if (got == 0)
            in->eof = 1;
        in->len += (size_t)got;
    }
}

/* Reads lines into the window while it has room and the input has them, and starts them.
 * Returns how many lines were taken. */
static size_t
refill(struct send_ctx *c)
{
    struct input *in = &c->in;
    size_t taken = 0;
    int wait = 0;
    while (in->fd >= 0 && c->njobs - c->next_print < c->cap) {
        size_t n;
        char *line = input_line(in, &n, &wait);
        if (line == NULL) {
            if (!wait)
                input_close(in, c->loop);
            break;
        }
        in->lineno++;
        while (n > 0 && line[n - 1] == '\r')
            line[--n] = '\0';
        if (strspn(line, " \t") == n)
            continue; /* blank lines separate nothing and send nothing */
        struct job *j = job_at(c, c->njobs++);
        memset(j, 0, sizeof *j);
        j->ctx = c;
        j->line = in->lineno;
        j->type = MSG_NONE;
        j->media_size = -1;
        j->ogg_opus = -1;
        char *cause = NULL;
        if (message_parse_batch_line(line, n, &j->msg, &cause) != 0)
            j->parse_error = cause;
        taken++;
    }
    /* Woken by the input only while waiting for it: a full window waits for results. */
    if (in->fd >= 0 && wait && in->watch < 0)
        in->watch = loop_add(c->loop, in->fd, POLLIN, on_input, NULL, c);
    else if (in->watch >= 0 && !wait) {
        loop_remove(c->loop, in->watch);
        in->watch = -1;
    }
    pump(c);
    return taken;
}

/* --resume: a job per message stopped processes left unfinished, in the order queued. */
static int
recover_jobs(struct send_ctx *c, const char *dir)
{
    struct journal_pending *p = NULL;
    size_t n = 0, skipped = 0;
    char *cause = NULL;
    if (journal_recover(c->journal, dir, &p, &n, &skipped, &cause) != 0) {
        cli_error("%s", cause);
        free(cause);
        return -1;
    }
    if (skipped)
        fprintf(stderr, P_("send: outbox journal: %zu damaged line skipped\n",
                           "send: outbox journal: %zu damaged lines skipped\n", skipped),
                skipped);
    c->cap = n ? n : 1;
    c->jobs = xcalloc(c->cap, sizeof *c->jobs);
    c->njobs = n;
    for (size_t i = 0; i < n; i++) {
        struct job *j = &c->jobs[i];
        j->ctx = c;
        struct message *m = message_new();
        m->id = p[i].id;
        m->room = p[i].room;
        m->user = p[i].user;
        m->type = p[i].type ? msg_type_parse(p[i].type) : MSG_NONE;
        free(p[i].type);
        j->type = m->type;
        j->msg = m;
        j->raw = p[i].body;
        j->raw_len = p[i].body_len;
    }
    free(p);
    return 0;
}

static void
free_ctx(struct send_ctx *c)
{
    for (size_t i = 0; i < c->cap; i++)
        job_clear(&c->jobs[i]);
    free(c->jobs);
    input_close(&c->in, c->loop);
    outbox_free(c->ob);
    journal_close(c->journal);
    loop_free(c->loop);
    transport_free(c->t);
    settings_clear(&c->st);
    buf_free(&c->out);
}

int
cmd_send(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"room", required_argument, NULL, OPT_ROOM},
        {"user", required_argument, NULL, OPT_USER},
        {"text", required_argument, NULL, OPT_TEXT},
        {"attach", required_argument, NULL, OPT_ATTACH},
        {"type", required_argument, NULL, OPT_TYPE},
        {"caption", required_argument, NULL, OPT_CAPTION},
        {"filename", required_argument, NULL, OPT_FILENAME},
        {"mime", required_argument, NULL, OPT_MIME},
        {"id", required_argument, NULL, OPT_ID},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"json", no_argument, NULL, OPT_JSON},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"batch", required_argument, NULL, OPT_BATCH},
        {"parallel", required_argument, NULL, OPT_PARALLEL},
        {"resume", no_argument, NULL, OPT_RESUME},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct settings_flags flags = {0};
    struct send_ctx c = {.in = {.fd = -1, .watch = -1}};
    const char *room = NULL, *user = NULL, *text = NULL, *attach = NULL, *type = NULL;
    const char *caption = NULL, *filename = NULL, *mime = NULL, *id = NULL, *batch = NULL;
    const char *parallel = NULL;
    int resume = 0;
    int opt;

    int first = 1;
    while ((opt = cli_next_option(argc, argv, longopts, &flags, first)) != -1) {
        first = 0;
        if (opt == CLI_REFUSED)
            return EXIT_BADINPUT;
        switch (opt) {
        case OPT_ROOM: room = optarg; break;
        case OPT_USER: user = optarg; break;
        case OPT_TEXT: text = optarg; break;
        case OPT_ATTACH: attach = optarg; break;
        case OPT_TYPE: type = optarg; break;
        case OPT_CAPTION: caption = optarg; break;
        case OPT_FILENAME: filename = optarg; break;
        case OPT_MIME: mime = optarg; break;
        case OPT_ID: id = optarg; break;
        case OPT_DRY_RUN: c.dry_run = 1; break;
        case OPT_JSON: c.json = 1; break;
        case OPT_QUIET: c.quiet = 1; break;
        case OPT_BATCH: batch = optarg; break;
        case OPT_PARALLEL: parallel = optarg; break;
        case OPT_RESUME: resume = 1; break;
        case OPT_HELP:
            printf(_(send_usage), SETTINGS_DEFAULT_PARALLEL, SETTINGS_MAX_PARALLEL);
            cli_common_help();
            fputs(_(send_exit_status), stdout);
            return EXIT_SENT;
        default:
            cli_bad_option("send", argv);
            return EXIT_BADINPUT;
        }
    }
    if (optind < argc) {
        cli_error(_("send: unexpected argument '%s' (text goes after --text; quote it)"),
                  argv[optind]);
        return EXIT_BADINPUT;
    }

    c.parallel = SETTINGS_DEFAULT_PARALLEL;
    if (parallel != NULL) {
        char *end;
        long p = strtol(parallel, &end, 10);
        if (*parallel == '\0' || *end != '\0' || p < 1 || p > SETTINGS_MAX_PARALLEL) {
            cli_error(_("--parallel must be a whole number from 1 to %d (got '%s')"),
                      SETTINGS_MAX_PARALLEL, parallel);
            return EXIT_BADINPUT;
        }
        c.parallel = (int)p;
    }
    enum msg_type want = MSG_NONE;
    if (type != NULL && (want = msg_type_parse(type)) == MSG_NONE) {
        cli_error(_("--type must be text, image, video, audio or document (got '%s')"), type);
        return EXIT_BADINPUT;
    }
    if (resume && (batch || room || user || text || attach || type || caption || filename ||
                   mime || id || c.dry_run)) {
        cli_error(_("--resume sends what the journal holds; it takes no message options"));
        return EXIT_BADINPUT;
    }
    if (resume) {
        /* nothing more to check here */
    } else if (batch != NULL) {
        if (room || user || text || attach || type || caption || filename || mime || id) {
            cli_error(_("--batch takes every message from its lines; drop --room, --user, "
                        "--text, --attach, --type, --caption, --filename, --mime and --id"));
            return EXIT_BADINPUT;
        }
    } else {
        if (text != NULL && attach != NULL) {
            cli_error(_("give --text or --attach, not both"));
            return EXIT_BADINPUT;
        }
        if (text == NULL && attach == NULL) {
            cli_error(_("nothing to send: give --text TEXT or --attach URL (see --help)"));
            return EXIT_BADINPUT;
        }
        if (room == NULL || user == NULL) {
            cli_error(_("%s is required: it says which conversation gets the message"),
                      room == NULL ? "--room" : "--user");
            return EXIT_BADINPUT;
        }
        if (attach != NULL && want == MSG_TEXT) {
            cli_error(_("--type text cannot carry an attachment; use --text"));
            return EXIT_BADINPUT;
        }
        if (text != NULL && want != MSG_NONE && want != MSG_TEXT) {
            cli_error(_("--type %s needs --attach URL, not --text"), type);
            return EXIT_BADINPUT;
        }
    }

    if (cli_load_settings(&c.st, &flags, 1) != 0) {
        settings_clear(&c.st);
        return EXIT_BADINPUT;
    }
    if (c.st.project == NULL || c.st.bot == NULL) {
        cli_error(_("no %s id: give --%s, set %s or put %s= in the config file"),
                  c.st.project == NULL ? "project" : "bot",
                  c.st.project == NULL ? "project" : "bot",
                  c.st.project == NULL ? "JELOU_PROJECT_ID" : "JELOU_BOT_ID",
                  c.st.project == NULL ? "project" : "bot");
        settings_clear(&c.st);
        return EXIT_BADINPUT;
    }

    c.batch = batch != NULL || resume;
    if (!c.dry_run) {
        char *jcause = NULL;
        char *dir = journal_default_dir(&jcause);
        c.journal = dir ? journal_open(dir, &jcause) : NULL;
        if (c.journal == NULL) {
            /* Without a journal a crash could lose a message silently: refuse. */
            cli_error("%s", jcause);
            free(jcause);
            free(dir);
            settings_clear(&c.st);
            return EXIT_BADINPUT;
        }
        if (resume && recover_jobs(&c, dir) != 0) {
            free(dir);
            free_ctx(&c);
            return EXIT_BADINPUT;
        }
        free(dir);
        if (resume && c.njobs == 0) {
            fputs(_("send: nothing to resume\n"), stderr);
            free_ctx(&c);
            return EXIT_SENT;
        }
        /* A turn's records in one write with its fsync; results are printed after it. */
        journal_hold(c.journal);
    }
    if (resume) {
        c.progress = isatty(STDERR_FILENO);
    } else if (c.batch) {
        if (input_open(&c, batch) != 0) {
            free_ctx(&c);
            return EXIT_BADINPUT;
        }
        c.cap = (size_t)c.parallel + BATCH_READ_AHEAD;
        c.jobs = xcalloc(c.cap, sizeof *c.jobs);
        c.progress = isatty(STDERR_FILENO) && !c.dry_run;
    } else {
        c.cap = 1;
        c.jobs = xcalloc(1, sizeof *c.jobs);
        c.njobs = 1;
        struct job *j = &c.jobs[0];
        j->ctx = &c;
        j->type = MSG_NONE;
        j->media_size = -1;
        j->ogg_opus = -1;
        struct message *m = j->msg = message_new();
        xstrset(&m->room, room);
        xstrset(&m->user, user);
        xstrset(&m->id, id);
        xstrset(&m->body, text);
        xstrset(&m->url, attach);
        xstrset(&m->caption, caption);
        xstrset(&m->filename, filename);
        xstrset(&m->mime, mime);
        m->mime_forced = mime != NULL;
        m->type = want;
    }

    char *cause = NULL;
    struct transport_opts to = {
        .cacert = c.st.cacert,
        .connect_timeout_ms = c.st.connect_timeout_ms,
        .timeout_ms = c.st.timeout_ms,
        .max_attempts = c.st.attempts,
        .max_connections = c.parallel > TRANSPORT_DEFAULT_CONNECTIONS
                               ? c.parallel : TRANSPORT_DEFAULT_CONNECTIONS,
    };
    /* A socket per message in flight, and room for the journal, stdio and curl's own. */
    cli_raise_fd_limit((unsigned long)to.max_connections * 2 + 64);
    c.t = transport_new(&to, &cause);
    if (c.t == NULL) {
        cli_error("%s", cause);
        free(cause);
        free_ctx(&c);
        return EXIT_BADINPUT;
    }
    c.loop = loop_new();
    transport_attach(c.t, c.loop);
    struct outbox_opts oo = {
        .endpoint = c.st.endpoint,
        .secret = c.st.secret,
        .max_attempts = c.st.attempts,
        .parallel = c.parallel,
        .journal = c.journal,
    };
    c.ob = outbox_new(c.t, &oo, on_change, &c);

    pump(&c);
    for (;;) {
        /* Results written free the window for more lines; then one fsync a turn covers
         * everything the journal got during it (the messages queued in it go out only
         * then), and one write of stdout all the results. */
        flush_results(&c);
        size_t taken = refill(&c);
        if (outbox_flush(c.ob, &cause) != 0) {
            cli_error("%s", cause);
            free(cause);
            cause = NULL;
            c.journal_failed = 1;
        }
        flush_results(&c);
        write_results(&c);
        fflush(stdout);
        if (c.in.fd < 0 && c.next_print >= c.njobs)
            break;
        if (transport_pending(c.t) == 0 && c.in.watch < 0 && taken == 0 &&
            c.finished < c.njobs) {
            cli_error(_("internal error: %zu message(s) stuck with nothing in flight"),
                      c.njobs - c.finished);
            break;
        }
        /* Lines just taken may be followed by more without waiting. */
        loop_run_once(c.loop, taken > 0 ? 0 : -1);
    }
    if (journal_finish(c.journal, &cause) != 0) {
        cli_error("%s", cause);
        free(cause);
        c.journal_failed = 1;
    }

    int code;
    if (c.dry_run && c.invalid == 0)
        code = EXIT_SENT;
    else if (c.batch)
        code = c.finished == c.accepted && c.finished == c.njobs && !c.in.failed
                   ? EXIT_SENT : EXIT_REFUSED;
    else if (c.accepted == 1)
        code = EXIT_SENT;
    else if (c.invalid == 1)
        code = EXIT_BADINPUT;
    else if (c.network > 0)
        code = EXIT_NETWORK;
    else
        code = EXIT_REFUSED;
    if (c.journal_failed && code == EXIT_SENT)
        code = EXIT_REFUSED;
    free_ctx(&c);
    return code;
}
