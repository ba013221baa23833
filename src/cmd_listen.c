/* jelou-console listen: receives Jelou's signed events and prints one JSON line per event. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jelou/cli.h"
#include "jelou/event.h"
#include "jelou/inbound.h"
#include "jelou/loop.h"
#include "jelou/record.h"
#include "jelou/restore.h"
#include "jelou/transport.h"
#include "jelou/url.h"
#include "jelou/xalloc.h"

/* What the journal holds from an earlier run is known: a redelivery after a restart is
 * answered and printed as a duplicate, not journaled twice. */
static void
seed_seen(void *arg, const struct event *ev, long long when)
{
    (void)when;
    inbound_seen(arg, ev);
}

static const char listen_usage[] =
    "Usage: jelou-console listen [--listen ADDR:PORT] [--path P] [--journal FILE]\n"
    "                            [--token-file PATH] [--public] [options]\n"
    "\n"
    "Receives the events Jelou sends to the integration's webhook URL (message,\n"
    "conversation.start, conversation.close). Each request must carry a valid\n"
    "X-Jelou-Signature over its raw body (401 otherwise, the body is not read). With\n"
    "--journal every accepted event is written and synced before the 200 goes out (a\n"
    "failed write is a 500, so Jelou retries). Every accepted event is printed as one\n"
    "JSON line:\n"
    "  {\"event\",\"kind\",\"id\",\"room\",\"user\",\"name\",\"type\",\"text\",\"url\",\n"
    "   \"duplicate\"}\n"
    "(id: value.id of a message, the conversation id of a conversation event; text: the\n"
    "message's text or caption, or the closing message). A redelivered event is printed\n"
    "again with \"duplicate\":true and not journaled twice, also after a restart with\n"
    "the same --journal (the newest 10,000 events are remembered).\n"
    "\n"
    "  --listen ADDR:PORT  where to listen (default " INBOUND_DEFAULT_LISTEN "; port 0 picks a\n"
    "                      free one, printed on the first line of output)\n"
    "  --path P            the webhook path (default " INBOUND_DEFAULT_PATH ")\n"
    "  --journal FILE      append each accepted event (raw body included) as a JSON line\n"
    "  --token-file PATH   also require \"Authorization: Bearer TOKEN\" or \"X-API-Key: TOKEN\"\n"
    "                      with the token in PATH (mode 0600)\n"
    "  --public            allow an address other than loopback. Jelou only calls public\n"
    "                      HTTPS URLs: put a reverse proxy or a tunnel in front either way\n"
    "\n"
    "The secret comes from JELOU_SIGNING_SECRET, JELOU_SIGNING_SECRET_FILE or --secret-file.\n"
    "The config file's listen, webhook_path and inbound_token_file are the defaults of\n"
    "--listen, --path and --token-file. Runs until interrupted (SIGINT or SIGTERM).\n"
    "\n" CLI_COMMON_HELP;

enum {
    OPT_LISTEN = OPT_FIRST_COMMAND_OPTION,
    OPT_PATH,
    OPT_JOURNAL,
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

static void
on_event(void *arg, const struct event *ev, int duplicate)
{
    const struct message *m = ev->kind == EV_MESSAGE ? ev->msg : NULL;
    const char *text = NULL;
    (void)arg;

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
    /* One line per event, flushed: a script reading the pipe sees it at once. */
    printf("%s\n", line);
    fflush(stdout);
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
        case OPT_TOKEN_FILE:
            token_file = optarg;
            break;
        case OPT_PUBLIC:
            public = 1;
            break;
        case OPT_HELP:
            fputs(listen_usage, stdout);
            return EXIT_SENT;
        default:
            cli_bad_option("listen", argv);
            return EXIT_BADINPUT;
        }
    }
    if (optind < argc) {
        cli_error("listen: unexpected argument '%s'", argv[optind]);
        return EXIT_BADINPUT;
    }
    if (io.path != NULL && io.path[0] != '/') {
        cli_error("listen: --path must start with '/' (got '%s')", io.path);
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
    if (cli_parse_listen(listen, &addr, &io.port, &cause) != 0) {
        cli_error("listen: %s", cause);
        free(cause);
        settings_clear(&st);
        return EXIT_BADINPUT;
    }
    if (strcmp(addr, "localhost") == 0)
        xstrset(&addr, "127.0.0.1");
    if (!url_host_is_loopback(addr) && !public) {
        cli_error("listen: %s is not a loopback address; Jelou must reach the listener over "
                  "HTTPS through a reverse proxy or tunnel, so listen on 127.0.0.1 behind one "
                  "(or add --public if the proxy is on another host)", addr);
        free(addr);
        settings_clear(&st);
        return EXIT_BADINPUT;
    }
    io.addr = addr;
    if (token_file != NULL)
        token = settings_read_private_file(token_file, "token file", &cause);
    else if (settings_load_inbound_token(&st, &cause) == 0 && st.inbound_token != NULL)
        token = xstrdup(st.inbound_token);
    if (cause != NULL || (token != NULL && token[0] == '\0')) {
        cli_error("listen: %s", cause ? cause : "the token file is empty");
        free(cause);
        wipe_free(token);
        settings_clear(&st);
        free(addr);
        return EXIT_BADINPUT;
    }
    io.token = token;
    io.secret = st.secret;

    struct transport_opts to = {0};
    struct transport *t = transport_new(&to, &cause);
    struct loop *l = t ? loop_new(t) : NULL;
    struct inbound *in = l ? inbound_new(l, &io, on_event, NULL, &cause) : NULL;
    int code = EXIT_SENT;
    if (in != NULL && io.journal != NULL &&
        restore_events_each(io.journal, seed_seen, in, NULL, &cause) != 0) {
        /* Events are still taken (a journal that cannot be written is a 500 for each). */
        fprintf(stderr, "listen: earlier events not read back, a redelivery of one would be "
                        "journaled again: %s\n", cause);
        free(cause);
        cause = NULL;
    }
    if (in == NULL) {
        cli_error("listen: %s", cause ? cause : "cannot start");
        free(cause);
        code = EXIT_BADINPUT;
    } else {
        /* Before the first line: whoever saw it may stop us at once. */
        loop_on_signal(l, SIGINT, on_stop, NULL);
        loop_on_signal(l, SIGTERM, on_stop, NULL);
        int v6 = strchr(addr, ':') != NULL;
        printf("listen: listening on http://%s%s%s:%u%s\n", v6 ? "[" : "", addr,
               v6 ? "]" : "", inbound_port(in), io.path);
        fflush(stdout);
        while (!stop)
            loop_run_once(l, -1);
        const struct inbound_stats *s = inbound_stats(in);
        fprintf(stderr, "listen: stopped after %lu event%s (%lu rejected)\n", s->accepted,
                s->accepted == 1 ? "" : "s", s->rejected);
    }
    inbound_free(in);
    loop_free(l);
    transport_free(t);
    wipe_free(token);
    settings_clear(&st);
    free(addr);
    return code;
}
