/* jelou-console mime: what a local file or a media URL is, as the send pipeline would see it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jelou/loop.h"
#include "jelou/mime.h"
#include "jelou/probe.h"
#include "jelou/record.h"
#include "jelou/transport.h"
#include "jelou/url.h"
#include "jelou/xalloc.h"
#include "jelou/i18n.h"
#include "cli.h"

static const char mime_usage[] = N_(
    "Usage: jelou-console mime [--json] [--cacert PATH] URL|PATH\n"
    "\n"
    "Prints the MIME type libmagic detects and the message type it maps to.\n"
    "A URL (https:// only) is probed with a ranged GET of at most 64 KiB.\n"
    "When the server's Content-Type disagrees, it is shown too; libmagic wins.\n"
    "\n"
    "A type that cannot be sent as media (a web page, an unknown type) is still printed,\n"
    "with \"none\" as the message type; the reason goes to stderr and the exit status is 2.\n"
    "\n"
    "Exit status: 0 detected and sendable, 2 bad input (not sendable as media, missing file,\n"
    "HTTP error), 3 network failure.\n");

enum { OPT_JSON = OPT_FIRST_COMMAND_OPTION, OPT_HELP };

struct mime_ctx {
    const char *source;
    int local;              /* a file path, not a URL: the verdict must not say "URL" */
    int json;
    int done;
    int code;
};

static void
report(struct mime_ctx *c, const char *mime, enum msg_type type, const char *server_type,
       size_t bytes, long http_status, const char *error)
{
    if (c->json) {
        struct record *r = record_new();
        record_str(r, "source", c->source);
        record_str(r, "mime", mime);
        record_str(r, "type", type == MSG_NONE ? NULL : msg_type_name(type));
        record_str(r, "server_type", server_type);
        record_int(r, "bytes", (long long)bytes);
        if (http_status > 0)
            record_int(r, "http_status", http_status);
        else
            record_str(r, "http_status", NULL);
        record_str(r, "error", error);
        char *line = record_finish(r);
        printf("%s\n", line);
        free(line);
    } else if (mime != NULL) {
        /* A detection command says what it detected even when the verdict is "no". */
        const char *name = type == MSG_NONE ? "none" : msg_type_name(type);
        if (server_type)
            printf(_("%s %s (server says %s)\n"), mime, name, server_type);
        else
            printf("%s %s\n", mime, name);
    }
    if (error != NULL)
        cli_error("%s: %s", c->source, error);
}

static void
judge(struct mime_ctx *c, const char *mime, const char *server_type, size_t bytes, long status)
{
    enum msg_type type = MSG_NONE;
    char *cause = NULL;
    if (probe_pick_type(mime, MSG_NONE, 0, &type, &cause) != 0) {
        /* probe_pick_type speaks of URLs, which send --attach always has. */
        if (c->local && mime_is_web_page(mime)) {
            free(cause);
            cause = xasprintf(_("this file is a web page (%s), not a media file"), mime);
        }
        report(c, mime, MSG_NONE, server_type, bytes, status, cause);
        free(cause);
        c->code = EXIT_BADINPUT;
        return;
    }
    report(c, mime, type, server_type, bytes, status, NULL);
    c->code = EXIT_SENT;
}

static void
on_probe(void *arg, const struct probe_result *r)
{
    struct mime_ctx *c = arg;
    c->done = 1;
    if (!r->ok) {
        report(c, NULL, MSG_NONE, NULL, r->bytes, r->http_status, r->error);
        c->code = r->http_status == 0 ? EXIT_NETWORK : EXIT_BADINPUT;
        return;
    }
    judge(c, r->mime, r->server_type, r->bytes, r->http_status);
}

static int
is_url(const char *s)
{
    return strncasecmp(s, "https://", 8) == 0 || strncasecmp(s, "http://", 7) == 0;
}

int
cmd_mime(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct settings_flags flags = {0};
    struct mime_ctx c = {.code = EXIT_BADINPUT};
    int opt;
    int first = 1;
    while ((opt = cli_next_option(argc, argv, longopts, &flags, first)) != -1) {
        first = 0;
        if (opt == CLI_REFUSED)
            return EXIT_BADINPUT;
        if (opt == OPT_JSON) {
            c.json = 1;
        } else if (opt == OPT_HELP) {
            fputs(_(mime_usage), stdout);
            return EXIT_SENT;
        } else {
            cli_bad_option("mime", argv);
            return EXIT_BADINPUT;
        }
    }
    if (argc - optind != 1) {
        cli_error(_("mime: give exactly one URL or file path (see 'jelou-console mime --help')"));
        return EXIT_BADINPUT;
    }
    c.source = argv[optind];

    char *cause = NULL;
    if (!is_url(c.source)) {
        char *mime = NULL;
        c.local = 1;
        if (mime_detect_file(c.source, &mime, &cause) != 0) {
            cli_error("%s", cause);
            free(cause);
            return EXIT_BADINPUT;
        }
        judge(&c, mime, NULL, 0, 0);
        free(mime);
        mime_cleanup();
        return c.code;
    }

    struct settings st = {0};
    if (cli_load_settings(&st, &flags, 0) != 0) {
        settings_clear(&st);
        return EXIT_BADINPUT;
    }
    struct transport_opts to = {
        .cacert = st.cacert,
        .connect_timeout_ms = st.connect_timeout_ms,
        .timeout_ms = st.timeout_ms,
        .max_attempts = 1,
    };
    struct transport *t = transport_new(&to, &cause);
    struct loop *l = t ? loop_new() : NULL;
    if (l != NULL)
        transport_attach(t, l);
    if (t == NULL || probe_start(t, c.source, on_probe, &c, &cause) != 0) {
        cli_error("%s", cause);
        free(cause);
        c.code = EXIT_BADINPUT;
        c.done = 1;
    }
    while (!c.done && transport_pending(t) > 0)
        loop_run_once(l, -1);
    loop_free(l);
    transport_free(t);
    settings_clear(&st);
    mime_cleanup();
    return c.code;
}
