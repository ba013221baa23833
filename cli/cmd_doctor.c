/* jelou-console doctor: checks the configuration end to end and says how to fix each gap. */
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jelou/loop.h"
#include "jelou/record.h"
#include "jelou/transport.h"
#include "jelou/url.h"
#include "jelou/xalloc.h"
#include "jelou/i18n.h"
#include "cli.h"
#include "integration.h"

static const char doctor_usage[] = N_(
    "Usage: jelou-console doctor [--json] [options]\n"
    "\n"
    "Checks what the console needs on a real project, each on one line: \"✓ what\", or\n"
    "\"✗ what: the fix\". The checks: the config file is found and parses; the project and\n"
    "bot ids are set; the signing secret and the API key files are present, private and\n"
    "plausible; the webhook endpoint resolves and its TLS certificate verifies; the REST\n"
    "API answers with the key and the project has an integration (a read: nothing is sent\n"
    "to any user); the listener answers locally; the locale and the terminal fit.\n"
    "\n"
    "  --json   print one JSON array of {\"check\",\"ok\",\"detail\",\"fix\"} instead\n"
    "\n"
    "Exit codes: 0 every check passed, 1 a check failed, 2 bad options.\n"
    "\n");

enum { OPT_JSON = OPT_FIRST_COMMAND_OPTION, OPT_HELP };

/* The console draws a three-pane screen: below this it cannot. */
#define MIN_COLS 80
#define MIN_ROWS 24
/* Anything shorter is a paste cut short rather than a key or secret Jelou hands out. */
#define MIN_SECRET_LEN 16
#define MIN_KEY_LEN 8

struct report {
    int json;
    int failed;
    struct record **items;
    size_t n;
};

static void
check(struct report *r, const char *name, int ok, const char *detail, const char *fix)
{
    if (!ok)
        r->failed++;
    if (!r->json) {
        if (ok)
            printf("\xe2\x9c\x93 %s\n", detail);
        else
            printf("\xe2\x9c\x97 %s: %s\n", detail, fix);
        fflush(stdout);
        return;
    }
    struct record *rec = record_new();
    record_str(rec, "check", name);
    record_bool(rec, "ok", ok);
    record_str(rec, "detail", detail);
    record_str(rec, "fix", ok ? NULL : fix);
    r->items = xrealloc(r->items, (r->n + 1) * sizeof *r->items);
    r->items[r->n++] = rec;
}

/* Same as check, for a detail built with xasprintf. */
static void
check_owned(struct report *r, const char *name, int ok, char *detail, const char *fix)
{
    check(r, name, ok, detail, fix);
    free(detail);
}

static void
print_json(struct report *r)
{
    fputc('[', stdout);
    for (size_t i = 0; i < r->n; i++) {
        char *line = record_finish(r->items[i]);
        printf("%s%s", i ? "," : "", line);
        free(line);
    }
    fputs("]\n", stdout);
    free(r->items);
}

static void
check_private(struct report *r, const char *name, const char *what, int rc, const char *value,
              size_t min_len, char *cause, const char *missing_fix, const char *fix)
{
    if (rc != 0) {
        int missing = cause != NULL && strstr(cause, strerror(ENOENT)) != NULL;
        check(r, name, 0, cause, missing ? missing_fix : fix);
    } else if (strlen(value) < min_len || strpbrk(value, " \t") != NULL) {
        check_owned(r, name, 0, xasprintf(_("the %s is not plausible (shorter than %zu "
                                            "characters, or with spaces)"), what, min_len), fix);
    } else {
        check_owned(r, name, 1, xasprintf(_("%s present, private and plausible"), what), NULL);
    }
    free(cause);
}

struct probe {
    int done;
    long status;
    char *error;
};

static void
on_probe(void *arg, const struct transport_result *tr)
{
    struct probe *p = arg;
    p->done = 1;
    p->status = tr->http_status;
    p->error = xstrdup(tr->error ? tr->error : _("no answer"));
}

/* One plain GET, any HTTP answer counting: it proves the name resolved, the connection was
 * made and (https) the certificate verified. Nothing is posted. */
static void
probe_url(const struct settings *st, const char *url, struct probe *p)
{
    char *cause = NULL;
    memset(p, 0, sizeof *p);
    struct transport_opts to = {
        .cacert = st->cacert,
        .connect_timeout_ms = st->connect_timeout_ms,
        .timeout_ms = st->timeout_ms,
        .max_attempts = 1,
    };
    struct transport *t = transport_new(&to, &cause);
    if (t == NULL) {
        p->error = cause;
        return;
    }
    struct loop *l = loop_new();
    transport_attach(t, l);
    struct transport_request req = {
        .method = "GET",
        .url = url,
        .keep_bytes = 200,
        .on_done = on_probe,
        .arg = p,
    };
    if (transport_submit(t, &req, &cause) != 0) {
        p->error = cause;
    } else {
        while (!p->done && transport_pending(t) > 0)
            loop_run_once(l, -1);
    }
    loop_free(l);
    transport_free(t);
}

static void
check_endpoint(struct report *r, const struct settings *st)
{
    struct probe p;
    probe_url(st, st->endpoint, &p);
    if (p.status != 0)
        check_owned(r, "endpoint", 1, xasprintf(_("webhook endpoint %s resolves and answers%s"),
                                                st->endpoint,
                                                strncmp(st->endpoint, "https:", 6) == 0
                                                    ? _(" over verified TLS") : ""), NULL);
    else
        check_owned(r, "endpoint", 0, xasprintf(_("webhook endpoint %s: %s"), st->endpoint,
                                                p.error),
                    _("check the host name and the network; a certificate that does not verify "
                      "needs cacert= (a private CA) or a fixed clock"));
    free(p.error);
}

static void
check_rest(struct report *r, const struct settings *st, int have_key)
{
    if (!have_key || (st->project == NULL && strstr(st->rest_base, "{projectId}") != NULL)) {
        check(r, "rest", 0, _("REST API not tried"),
              _("first fix the project id and the API key"));
        return;
    }
    struct integration_answer a;
    char *cause = NULL;
    if (integration_call(st, "GET", NULL, &a, &cause) != 0) {
        check(r, "rest", 0, cause, _("fix rest_base or the API key"));
        free(cause);
        return;
    }
    if (a.ok)
        check_owned(r, "rest", 1, xasprintf(_("REST API answers with the key; integration %s "
                                              "sends events to %s"), a.id ? a.id : "?",
                                            a.webhook_url ? a.webhook_url : "?"), NULL);
    else if (a.http_status == 404)
        check_owned(r, "rest", 0, xasprintf(_("REST API answers with the key, but: %s"),
                                            a.error),
                    _("create the integration: run 'jelou-console setup' (or 'jelou-console "
                      "integration create --webhook-url URL')"));
    else if (a.http_status == 401 || a.http_status == 403)
        check_owned(r, "rest", 0, xasprintf(_("REST API refused the key (HTTP %ld): %s"),
                                            a.http_status, a.error),
                    _("put the project's API key from Jelou's dashboard in the api_key_file "
                      "(or run 'jelou-console setup')"));
    else
        check_owned(r, "rest", 0, a.http_status != 0
                                      ? xasprintf(_("REST API answered HTTP %ld: %s"),
                                                  a.http_status, a.error)
                                      : xasprintf(_("REST API %s: %s"), st->rest_base, a.error),
                    _("check rest_base, the network and the project id"));
    integration_answer_clear(&a);
}

static void
check_listener(struct report *r, const struct settings *st)
{
    char *addr = NULL, *cause = NULL;
    unsigned port = 0;
    if (url_parse_listen(st->listen, &addr, &port, &cause) != 0) {
        check(r, "listener", 0, cause, _("fix listen= in the config file"));
        free(cause);
        return;
    }
    /* A listener on every address answers on loopback too. */
    const char *host = strcmp(addr, "0.0.0.0") == 0 ? "127.0.0.1"
                       : strcmp(addr, "::") == 0   ? "::1" : addr;
    int v6 = strchr(host, ':') != NULL;
    char *url = xasprintf("http://%s%s%s:%u%s", v6 ? "[" : "", host, v6 ? "]" : "", port,
                          st->webhook_path);
    struct probe p;
    probe_url(st, url, &p);
    if (p.status != 0)
        check_owned(r, "listener", 1, xasprintf(_("listener answers on %s"), url), NULL);
    else
        check_owned(r, "listener", 0, xasprintf(_("nothing answers on %s (%s)"), url, p.error),
                    _("start 'jelou-console listen' or the console (or the "
                      "jelou-console-listen systemd unit)"));
    free(p.error);
    free(url);
    free(addr);
}

static void
check_terminal(struct report *r)
{
    setlocale(LC_CTYPE, "");
    const char *codeset = nl_langinfo(CODESET);
    if (codeset != NULL && strcmp(codeset, "UTF-8") == 0)
        check(r, "locale", 1, _("locale is UTF-8"), NULL);
    else
        check_owned(r, "locale", 0, xasprintf(_("locale is %s, not UTF-8"),
                                              codeset ? codeset : "unknown"),
                    _("set LANG=C.UTF-8 (or another UTF-8 locale)"));
    const char *term = getenv("TERM");
    struct winsize ws;
    if (term == NULL || term[0] == '\0' || strcmp(term, "dumb") == 0) {
        check(r, "terminal", 0, _("TERM is unset or dumb"),
              _("run the console in a terminal emulator (TERM=xterm-256color or similar)"));
    } else if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
               (ws.ws_col < MIN_COLS || ws.ws_row < MIN_ROWS)) {
        check_owned(r, "terminal", 0, xasprintf(_("the terminal is %ux%u"), ws.ws_col, ws.ws_row),
                    _("make it at least 80x24"));
    } else {
        check_owned(r, "terminal", 1, xasprintf(_("terminal %s fits"), term), NULL);
    }
}

int
doctor_run(const struct settings_flags *flags, int json)
{
    struct report r = {.json = json};
    struct settings st = {0};
    char *cause = NULL;
    int loaded = 0;

    if (settings_load(&st, flags, &cause) != 0) {
        check(&r, "config", 0, cause, _("fix that line, or run 'jelou-console setup'"));
        free(cause);
        cause = NULL;
    } else if ((loaded = 1) && st.config_path == NULL) {
        char *path = settings_config_path(flags);
        check_owned(&r, "config", 0, xasprintf(_("no config file at %s"), path ? path : "~"),
                    _("run 'jelou-console setup'"));
        free(path);
    } else {
        check_owned(&r, "config", 1, xasprintf(_("config %s parses"), st.config_path), NULL);
    }
    /* Settings that did not load say nothing reliable about the rest. */
    if (loaded) {
        if (st.project != NULL && st.bot != NULL)
            check_owned(&r, "ids", 1, xasprintf(_("project %s, bot %s"), st.project, st.bot),
                        NULL);
        else
            check(&r, "ids", 0, st.project ? _("no bot id") : _("no project id"),
                  _("put project= and bot= in the config file (or run 'jelou-console setup')"));
        int rc = settings_load_secret(&st, &cause);
        check_private(&r, "secret", _("signing secret"), rc, st.secret, MIN_SECRET_LEN, cause,
                      _("Jelou shows the secret only once: run 'jelou-console integration "
                        "delete', then 'jelou-console setup' for a new integration and secret"),
                      _("keep the integration's signingSecret alone in a 0600 file named by "
                        "secret_file"));
        cause = NULL;
        rc = settings_load_api_key(&st, &cause);
        int have_key = rc == 0;
        check_private(&r, "api_key", _("API key"), rc, st.api_key, MIN_KEY_LEN, cause,
                      _("put the project's API key in a 0600 file named by api_key_file (or "
                        "run 'jelou-console setup')"),
                      _("keep the project's API key alone in a 0600 file named by api_key_file"));
        cause = NULL;
        check_endpoint(&r, &st);
        check_rest(&r, &st, have_key);
        check_listener(&r, &st);
    }
    check_terminal(&r);
    if (json)
        print_json(&r);
    fflush(stdout);
    settings_clear(&st);
    return r.failed == 0 ? EXIT_SENT : EXIT_REFUSED;
}

int
cmd_doctor(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct settings_flags flags = {0};
    int json = 0, opt, first = 1;
    while ((opt = cli_next_option(argc, argv, longopts, &flags, first)) != -1) {
        first = 0;
        if (opt == CLI_REFUSED)
            return EXIT_BADINPUT;
        if (opt == OPT_JSON) {
            json = 1;
        } else if (opt == OPT_HELP) {
            fputs(_(doctor_usage), stdout);
            cli_common_help();
            return EXIT_SENT;
        } else {
            cli_bad_option("doctor", argv);
            return EXIT_BADINPUT;
        }
    }
    if (optind < argc) {
        cli_error(_("doctor: unexpected argument '%s'"), argv[optind]);
        return EXIT_BADINPUT;
    }
    return doctor_run(&flags, json);
}
