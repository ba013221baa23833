/* jelou-console listen: receives Jelou's signed events and prints one JSON line per event. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jelou/event.h"
#include "jelou/inbound.h"
#include "jelou/loop.h"
#include "jelou/paths.h"
#include "jelou/record.h"
#include "jelou/restore.h"
#include "jelou/url.h"
#include "jelou/xalloc.h"
#include "jelou/i18n.h"
#include "cli.h"

/* What the journal holds from an earlier run is known: a redelivery after a restart is
 * answered and printed as a duplicate, not journaled twice. */
static void
seed_seen(void *arg, const struct event *ev, long long when)
{
    (void)when;
    inbound_seen(arg, ev);
}

/* A printf format: the defaults come in as %s so that the text is one translatable string. */
static const char listen_usage[] = N_(
    "Usage: jelou-console listen [--listen ADDR:PORT] [--path P] [--journal FILE]\n"
    "                            [--quarantine FILE] [--token-file PATH] [--public] [options]\n"
    "\n"
    "Receives the events Jelou sends to the integration's webhook URL (message,\n"
    "conversation.start, conversation.close). Each request must carry a valid\n"
    "X-Jelou-Signature over its raw body (401 otherwise: an unsigned body is read to check\n"
    "the signature, never parsed). With --journal every accepted event is written and\n"
    "synced before the 200 goes out (a failed write is a 500, so Jelou retries). A signed\n"
    "body that is not a readable event is kept in the quarantine file, synced, then\n"
    "answered 200 with {\"ok\":true,\"unreadable\":REASON} and announced on stderr (500 when\n"
    "it cannot be kept). Every accepted event is printed as one JSON line:\n"
    "  {\"event\",\"kind\",\"id\",\"room\",\"user\",\"name\",\"type\",\"text\",\"url\",\n"
    "   \"duplicate\"}\n"
    "(id: value.id of a message, the conversation id of a conversation event; text: the\n"
    "message's text or caption, or the closing message). A redelivered event is printed\n"
    "again with \"duplicate\":true and not journaled twice, also after a restart with\n"
    "the same --journal (the newest 10,000 events are remembered).\n"
    "\n"
    "  --listen ADDR:PORT  where to listen (default %s; port 0 picks a\n"
    "                      free one, printed on the first line of output)\n"
    "  --path P            the webhook path (default %s)\n"
    "  --journal FILE      append each accepted event (raw body included) as a JSON line\n"
    "  --quarantine FILE   where signed bodies that are not readable events are kept\n"
    "                      (default $XDG_STATE_HOME/jelou-console/unread-events.jsonl)\n"
    "  --token-file PATH   also require \"Authorization: Bearer TOKEN\" or \"X-API-Key: TOKEN\"\n"
    "                      with the token in PATH (mode 0600)\n"
    "  --public            allow an address other than loopback. Jelou only calls public\n"
    "                      HTTPS URLs: put a reverse proxy or a tunnel in front either way\n"
    "\n"
    "The secret comes from JELOU_SIGNING_SECRET, JELOU_SIGNING_SECRET_FILE or --secret-file.\n"
    "The config file's listen, webhook_path and inbound_token_file are the defaults of\n"
    "--listen, --path and --token-file. A journal or quarantine file that is not a regular\n"
    "file is refused (exit 2). Standard output is a convenience, the journal the record: if\n"
    "the reader goes away or stops reading, the listener says so once on stderr and keeps\n"
    "answering. Runs until interrupted (SIGINT or SIGTERM).\n"
    "\n");

enum {
    OPT_LISTEN = OPT_FIRST_COMMAND_OPTION,
    OPT_PATH,
    OPT_JOURNAL,
    OPT_QUARANTINE,
    OPT_TOKEN_FILE,
    OPT_PUBLIC,
    OPT_HELP,
};

static volatile int stop;

static void
on_stop(void *arg, int signo)
{
    (void)arg;
    (void)signo;
    stop = 1;
}

static const char *
kind_name(enum event_kind k)
{
    switch (k) {
    case EV_MESSAGE:
        return "message";
    case EV_CONV_START:
        return "conversation.start";
    case EV_CONV_CLOSE:
        return "conversation.close";
    default:
        return "unknown";
    }
}

/* At most this much output waits for a reader that is slow to read; beyond it the reader
 * is taken to have stopped. */
#define OUT_MAX_PENDING (1024 * 1024)

/* Standard output, written without ever blocking the loop. */
struct out {
    struct loop *loop;
    struct buf pending;     /* written from off on */
    size_t off;
    int source;             /* the loop source waiting for POLLOUT, or -1 */
    int stopped;            /* said on stderr; nothing more is written */
    const char *journal;
};

static void out_ready(void *arg, short revents);

static void
out_stop(struct out *o, const char *why)
{
    o->stopped = 1;
    buf_free(&o->pending);
    o->off = 0;
    if (o->source >= 0)
        loop_remove(o->loop, o->source);
    o->source = -1;
    fprintf(stderr, _("listen: output stopped (%s); events are still answered%s%s\n"), why,
            o->journal ? " and journaled in " : "", o->journal ? o->journal : "");
}

static void
out_flush(struct out *o)
{
    while (!o->stopped && o->off < o->pending.len) {
        ssize_t n = write(STDOUT_FILENO, o->pending.data + o->off, o->pending.len - o->off);
        if (n > 0) {
            o->off += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (o->source < 0)
                o->source = loop_add(o->loop, STDOUT_FILENO, POLLOUT, out_ready, NULL, o);
            return;
        } else {
            out_stop(o, n < 0 && errno == EPIPE ? "the reader went away" : strerror(errno));
            return;
        }
    }
    if (o->stopped)
        return;
    buf_free(&o->pending);
    o->off = 0;
    if (o->source >= 0)
        loop_remove(o->loop, o->source);
    o->source = -1;
}

static void
out_ready(void *arg, short revents)
{
    struct out *o = arg;
    if (revents & (POLLERR | POLLHUP)) {
        out_stop(o, "the reader went away");
        return;
    }
    out_flush(o);
}

static void
out_line(struct out *o, const char *line)
{
    if (o->stopped)
        return;
    if (o->pending.len - o->off + strlen(line) + 1 > OUT_MAX_PENDING) {
        out_stop(o, "the reader stopped reading");
        return;
    }
    buf_appends(&o->pending, line);
    buf_append(&o->pending, "\n", 1);
    out_flush(o);
}

/* A pipe or socket may fill up: then writes must fail rather than wait. A terminal or a
 * file is left as it is (the flag would be shared with whoever else holds it). */
static void
out_init(struct out *o, struct loop *l, const char *journal)
{
    struct stat st;
    memset(o, 0, sizeof *o);
    o->loop = l;
    o->source = -1;
    o->journal = journal;
    signal(SIGPIPE, SIG_IGN);
    if (fstat(STDOUT_FILENO, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
        int fl = fcntl(STDOUT_FILENO, F_GETFL);
        if (fl >= 0)
            fcntl(STDOUT_FILENO, F_SETFL, fl | O_NONBLOCK);
    }
}

static void
out_clear(struct out *o)
{
    if (o->source >= 0)
        loop_remove(o->loop, o->source);
    buf_free(&o->pending);
}

static void
on_notice(void *arg, const char *text)
{
    (void)arg;
    fprintf(stderr, _("listen: %s\n"), text);
}

static void
on_event(void *arg, const struct event *ev, int duplicate)
{
    struct out *o = arg;
    const struct message *m = ev->kind == EV_MESSAGE ? ev->msg : NULL;
    const char *text = NULL;

    if (m != NULL)
        text = m->type == MSG_TEXT ? m->body : m->caption;
    else if (ev->kind == EV_CONV_CLOSE)
        text = ev->close_message;

    struct record *r = record_new();
    record_str(r, "event", ev->name);
    record_str(r, "kind", kind_name(ev->kind));
    record_str(r, "id", m ? m->id : ev->conversation);
    record_str(r, "room", ev->room);
    record_str(r, "user", ev->user);
    record_str(r, "name", ev->user_name);
    record_str(r, "type", m ? ev->value_type : NULL);
    record_str(r, "text", text);
    record_str(r, "url", m ? m->url : NULL);
    record_bool(r, "duplicate", duplicate);
    char *line = record_finish(r);
    /* One line per event, written at once: a script reading the pipe sees it at once. */
    out_line(o, line);
    free(line);
}

/* The token is a secret too: it does not linger in freed memory. */
static void
wipe_free(char *s)
{
    if (s == NULL)
        return;
    for (volatile char *p = s; *p != '\0'; p++)
        *p = '\0';
    free(s);
}

int
cmd_listen(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"path", required_argument, NULL, OPT_PATH},
        {"journal", required_argument, NULL, OPT_JOURNAL},
        {"quarantine", required_argument, NULL, OPT_QUARANTINE},
        {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
        {"public", no_argument, NULL, OPT_PUBLIC},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct settings_flags flags = {0};
    struct inbound_opts io = {0};
    const char *listen = NULL, *token_file = NULL;
    int public = 0, opt, first = 1;

    while ((opt = cli_next_option(argc, argv, longopts, &flags, first)) != -1) {
        first = 0;
        if (opt == CLI_REFUSED)
            return EXIT_BADINPUT;
        switch (opt) {
        case OPT_LISTEN:
            listen = optarg;
            break;
        case OPT_PATH:
            io.path = optarg;
            break;
        case OPT_JOURNAL:
            io.journal = optarg;
            break;
        case OPT_QUARANTINE:
            io.quarantine = optarg;
            break;
        case OPT_TOKEN_FILE:
            token_file = optarg;
            break;
        case OPT_PUBLIC:
            public = 1;
            break;
        case OPT_HELP:
            printf(_(listen_usage), INBOUND_DEFAULT_LISTEN, INBOUND_DEFAULT_PATH);
            cli_common_help();
            return EXIT_SENT;
        default:
            cli_bad_option("listen", argv);
            return EXIT_BADINPUT;
        }
    }
    if (optind < argc) {
        cli_error(_("listen: unexpected argument '%s'"), argv[optind]);
        return EXIT_BADINPUT;
    }
    if (io.path != NULL && io.path[0] != '/') {
        cli_error(_("listen: --path must start with '/' (got '%s')"), io.path);
        return EXIT_BADINPUT;
    }

    /* Flags win over the config file's listen, webhook_path and inbound_token_file. */
    struct settings st = {0};
    char *cause = NULL, *addr = NULL, *token = NULL;
    if (cli_load_settings(&st, &flags, 1) != 0) {
        settings_clear(&st);
        return EXIT_BADINPUT;
    }
    if (listen == NULL)
        listen = st.listen ? st.listen : INBOUND_DEFAULT_LISTEN;
    if (io.path == NULL)
        io.path = st.webhook_path ? st.webhook_path : INBOUND_DEFAULT_PATH;
    if (url_parse_listen(listen, &addr, &io.port, &cause) != 0) {
        cli_error(_("listen: %s"), cause);
        free(cause);
        settings_clear(&st);
        return EXIT_BADINPUT;
    }
    if (strcmp(addr, "localhost") == 0)
        xstrset(&addr, "127.0.0.1");
    if (!url_host_is_loopback(addr) && !public) {
        cli_error(_("listen: %s is not a loopback address; Jelou must reach the listener over "
                  "HTTPS through a reverse proxy or tunnel, so listen on 127.0.0.1 behind one "
                  "(or add --public if the proxy is on another host)"), addr);
        free(addr);
        settings_clear(&st);
        return EXIT_BADINPUT;
    }
    io.addr = addr;
    if (token_file != NULL)
        token = settings_read_private_file(token_file, _("token"), &cause);
    else if (settings_load_inbound_token(&st, &cause) == 0 && st.inbound_token != NULL)
        token = xstrdup(st.inbound_token);
    if (cause != NULL || (token != NULL && token[0] == '\0')) {
        cli_error(_("listen: %s"), cause ? cause : _("the token file is empty"));
        free(cause);
        wipe_free(token);
        settings_clear(&st);
        free(addr);
        return EXIT_BADINPUT;
    }
    io.token = token;
    io.secret = st.secret;
    io.notice = on_notice;
    char *quarantine = NULL;
    if (io.quarantine == NULL) {
        quarantine = paths_state_file("unread-events.jsonl", "the quarantine file", &cause);
        if (quarantine == NULL) {
            cli_error(_("listen: cannot place the quarantine file (use --quarantine FILE): %s"),
                      cause);
            free(cause);
            wipe_free(token);
            settings_clear(&st);
            free(addr);
            return EXIT_BADINPUT;
        }
        io.quarantine = quarantine;
    }

    /* Nothing goes out: the loop waits with poll(2), no curl handle needed. */
    struct loop *l = loop_new();
    struct out out;
    out_init(&out, l, io.journal);
    struct inbound *in = inbound_new(l, &io, on_event, &out, &cause);
    int code = EXIT_SENT;
    if (in != NULL && io.journal != NULL &&
        restore_events_each(io.journal, seed_seen, in, NULL, &cause) != 0) {
        /* Events are still taken (a journal that cannot be written is a 500 for each). */
        fprintf(stderr, _("listen: earlier events not read back, a redelivery of one would be "
                        "journaled again: %s\n"), cause);
        free(cause);
        cause = NULL;
    }
    if (in == NULL) {
        cli_error(_("listen: %s"), cause ? cause : _("cannot start"));
        free(cause);
        code = EXIT_BADINPUT;
    } else {
        /* Before the first line: whoever saw it may stop us at once. */
        loop_on_signal(l, SIGINT, on_stop, NULL);
        loop_on_signal(l, SIGTERM, on_stop, NULL);
        int v6 = strchr(addr, ':') != NULL;
        char *first_line = xasprintf("listen: listening on http://%s%s%s:%u%s",
                                     v6 ? "[" : "", addr, v6 ? "]" : "", inbound_port(in),
                                     io.path);
        out_line(&out, first_line);
        free(first_line);
        while (!stop)
            loop_run_once(l, -1);
        const struct inbound_stats *s = inbound_stats(in);
        char unread[64] = "";
        if (s->unreadable > 0)
            snprintf(unread, sizeof unread, P_(", %lu kept unread", ", %lu kept unread",
                                              s->unreadable), s->unreadable);
        /* The counts are read one at a time so that each takes its language's plural. */
        char rejected[64];
        snprintf(rejected, sizeof rejected, P_("%lu rejected", "%lu rejected", s->rejected),
                 s->rejected);
        fprintf(stderr, P_("listen: stopped after %lu event (%s%s)\n",
                           "listen: stopped after %lu events (%s%s)\n", s->accepted),
                s->accepted, rejected, unread);
    }
    inbound_free(in);
    out_clear(&out);
    free(quarantine);
    loop_free(l);
    wipe_free(token);
    settings_clear(&st);
    free(addr);
    return code;
}
