/* jelou-console mock: the sandbox endpoint on loopback, until interrupted. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jelou/loop.h"
#include "jelou/mock.h"
#include "jelou/transport.h"
#include "jelou/url.h"
#include "jelou/xalloc.h"
#include "jelou/i18n.h"
#include "cli.h"

static const char mock_usage[] = N_(
    "Usage: jelou-console mock [--listen ADDR:PORT] [--log FILE] [--fail-first N]\n"
    "                          [--fail-rate P] [--fail-status CODE] [--retry-after V]\n"
    "                          [--delay-ms D] [--delay-id ID=D]\n"
    "                          [--media-dir DIR [--media-cert FILE]] [--secret-file PATH]\n"
    "                          [--api-key-file PATH] [--project ID] [--emit-to URL]\n"
    "                          [--script FILE]\n"
    "\n"
    "A local stand-in for Jelou's webhook: checks the X-Jelou-Signature and the body like\n"
    "Jelou would and answers 200, 401 (bad signature), 422 (bad body, JSON reason) or an\n"
    "injected failure. Every request is appended to the --log JSON-lines file.\n"
    "\n"
    "  --listen ADDR:PORT  where to listen (default 127.0.0.1:0; port 0 picks a free one,\n"
    "                      printed on the first line of output)\n"
    "  --log FILE          append one JSON line per request with its verdict\n"
    "  --fail-first N      answer the first N well-formed requests with --fail-status\n"
    "  --fail-rate P       and this fraction (0..1) of the others\n"
    "  --fail-status CODE  status of injected failures (default 500)\n"
    "  --retry-after V     injected failures carry Retry-After: V (seconds or an HTTP date)\n"
    "  --delay-ms D        delay every answer by D milliseconds (without blocking others)\n"
    "  --delay-id ID=D     answer the message with value.id ID after D milliseconds instead\n"
    "  --media-dir DIR     also serve DIR's files over HTTPS at /media/NAME on a free port\n"
    "                      (printed on the second line), with a certificate made at start\n"
    "  --media-cert FILE   write that certificate there (PEM), for --cacert\n"
    "  --api-key-file PATH serve the conversation API (start, close, get) under\n"
    "                      /jelouapi/v1/external-support/PROJECT/ to this API key (mode 0600;\n"
    "                      or JELOU_API_KEY); without one it answers 401\n"
    "  --project ID        the project of the API and of events (default demo-project)\n"
    "  --emit-to URL       send signed events there, as Jelou would: conversation.start and\n"
    "                      conversation.close on API start and close, and the --script\n"
    "  --script FILE       JSON lines of user events to emit, each after_ms after the one\n"
    "                      before: {\"after_ms\":1500,\"event\":\"message\",\"room\":\"R\",\n"
    "                      \"user\":\"U\",\"name\":\"Ana\",\"type\":\"text\",\"text\":\"Hola\"}\n"
    "\n"
    "The secret comes from JELOU_SIGNING_SECRET, JELOU_SIGNING_SECRET_FILE or --secret-file.\n");

enum {
    OPT_LISTEN = OPT_FIRST_COMMAND_OPTION,
    OPT_LOG,
    OPT_FAIL_FIRST,
    OPT_FAIL_RATE,
    OPT_FAIL_STATUS,
    OPT_RETRY_AFTER,
    OPT_DELAY,
    OPT_DELAY_ID,
    OPT_MEDIA_DIR,
    OPT_MEDIA_CERT,
    OPT_EMIT_TO,
    OPT_SCRIPT,
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

static int
parse_number(const char *what, const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
        cli_error(_("%s must be a number from %g to %g (got '%s')"), what, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

/* Written before the first line of output, so a script that saw the URLs finds the file.
 * 0644: it is a public certificate, and the reader may be another user's test runner. */
static int
write_cert(const char *path, const char *pem, char **cause)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        *cause = xasprintf(_("--media-cert %s: %s"), path, strerror(errno));
        return -1;
    }
    size_t len = strlen(pem), done = 0;
    while (done < len) {
        ssize_t n = write(fd, pem + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *cause = xasprintf(_("--media-cert %s: %s"), path, strerror(errno));
            close(fd);
            return -1;
        }
        done += (size_t)n;
    }
    /* The umask may have narrowed the mode of a new file, and an old file keeps its own. */
    int rc = fchmod(fd, 0644);
    int err = errno;
    if (close(fd) != 0 && rc == 0) {
        rc = -1;
        err = errno;
    }
    if (rc != 0) {
        *cause = xasprintf(_("--media-cert %s: %s"), path, strerror(err));
        return -1;
    }
    return 0;
}

int
cmd_mock(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"log", required_argument, NULL, OPT_LOG},
        {"fail-first", required_argument, NULL, OPT_FAIL_FIRST},
        {"fail-rate", required_argument, NULL, OPT_FAIL_RATE},
        {"fail-status", required_argument, NULL, OPT_FAIL_STATUS},
        {"retry-after", required_argument, NULL, OPT_RETRY_AFTER},
        {"delay-ms", required_argument, NULL, OPT_DELAY},
        {"delay-id", required_argument, NULL, OPT_DELAY_ID},
        {"media-dir", required_argument, NULL, OPT_MEDIA_DIR},
        {"media-cert", required_argument, NULL, OPT_MEDIA_CERT},
        {"emit-to", required_argument, NULL, OPT_EMIT_TO},
        {"script", required_argument, NULL, OPT_SCRIPT},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct settings_flags flags = {0};
    struct mock_opts mo = {.fail_status = 500};
    const char *listen = "127.0.0.1:0";
    const char *media_cert = NULL;
    double v;
    int opt;

    int first = 1;
    while ((opt = cli_next_option(argc, argv, longopts, &flags, first)) != -1) {
        first = 0;
        if (opt == CLI_REFUSED)
            return EXIT_BADINPUT;
        switch (opt) {
        case OPT_LISTEN:
            listen = optarg;
            break;
        case OPT_LOG:
            mo.log_path = optarg;
            break;
        case OPT_FAIL_FIRST:
            if (parse_number("--fail-first", optarg, 0, 1e9, &v) != 0)
                return EXIT_BADINPUT;
            mo.fail_first = (int)v;
            break;
        case OPT_FAIL_RATE:
            if (parse_number("--fail-rate", optarg, 0, 1, &v) != 0)
                return EXIT_BADINPUT;
            mo.fail_rate = v;
            break;
        case OPT_FAIL_STATUS:
            if (parse_number("--fail-status", optarg, 100, 599, &v) != 0)
                return EXIT_BADINPUT;
            mo.fail_status = (int)v;
            break;
        case OPT_RETRY_AFTER:
            /* It becomes a header line: a line break would add headers of its own. */
            if (*optarg == '\0' || strpbrk(optarg, "\r\n") != NULL) {
                cli_error(_("mock: --retry-after must be one non-empty line"));
                return EXIT_BADINPUT;
            }
            mo.retry_after = optarg;
            break;
        case OPT_DELAY:
            if (parse_number("--delay-ms", optarg, 0, 600000, &v) != 0)
                return EXIT_BADINPUT;
            mo.delay_ms = (long)v;
            break;
        case OPT_DELAY_ID: {
            char *eq = strrchr(optarg, '=');
            if (eq == NULL || eq == optarg) {
                cli_error(_("mock: --delay-id takes ID=MILLISECONDS (got '%s')"), optarg);
                return EXIT_BADINPUT;
            }
            *eq = '\0';
            if (parse_number("--delay-id", eq + 1, 0, 600000, &v) != 0)
                return EXIT_BADINPUT;
            mo.delay_id = optarg;
            mo.delay_id_ms = (long)v;
            break;
        }
        case OPT_MEDIA_DIR:
            mo.media_dir = optarg;
            break;
        case OPT_MEDIA_CERT:
            media_cert = optarg;
            break;
        case OPT_EMIT_TO:
            mo.emit_to = optarg;
            break;
        case OPT_SCRIPT:
            mo.script = optarg;
            break;
        case OPT_HELP:
            fputs(_(mock_usage), stdout);
            return EXIT_SENT;
        default:
            cli_bad_option("mock", argv);
            return EXIT_BADINPUT;
        }
    }
    if (optind < argc) {
        cli_error(_("mock: unexpected argument '%s'"), argv[optind]);
        return EXIT_BADINPUT;
    }
    if (media_cert != NULL && mo.media_dir == NULL) {
        cli_error(_("mock: --media-cert needs --media-dir"));
        return EXIT_BADINPUT;
    }

    char *cause = NULL, *addr = NULL;
    if (url_parse_listen(listen, &addr, &mo.port, &cause) != 0) {
        cli_error("%s", cause);
        free(cause);
        return EXIT_BADINPUT;
    }
    mo.addr = addr;
    struct settings st = {0};
    if (cli_load_settings(&st, &flags, 1) != 0) {
        settings_clear(&st);
        free(addr);
        return EXIT_BADINPUT;
    }
    mo.secret = st.secret;
    /* The API key is optional here: without one only the webhook is served. */
    if ((st.api_key_file != NULL || st.api_key_from_env) &&
        settings_load_api_key(&st, &cause) != 0) {
        cli_error(_("mock: %s"), cause);
        free(cause);
        settings_clear(&st);
        free(addr);
        return EXIT_BADINPUT;
    }
    mo.api_key = st.api_key;
    mo.project = st.project;

    struct transport_opts to = {0};
    /* A connection per message a batch keeps in flight, each a file descriptor. */
    cli_raise_fd_limit(MOCK_MAX_CONNECTIONS + 256);
    struct transport *t = transport_new(&to, &cause);
    struct loop *l = t ? loop_new() : NULL;
    if (l != NULL)
        transport_attach(t, l);
    mo.transport = t;
    struct mock *m = l ? mock_new(l, &mo, &cause) : NULL;
    int code = EXIT_SENT;
    if (m != NULL && media_cert != NULL &&
        write_cert(media_cert, mock_media_ca_pem(m), &cause) != 0) {
        mock_free(m);
        m = NULL;
    }
    if (m == NULL) {
        cli_error(_("mock: %s"), cause);
        free(cause);
        code = EXIT_BADINPUT;
    } else {
        int v6 = strchr(addr, ':') != NULL;
        printf("mock: listening on http://%s%s%s:%u%s\n", v6 ? "[" : "", addr, v6 ? "]" : "",
               mock_port(m), MOCK_WEBHOOK_PATH);
        if (mo.media_dir != NULL)
            printf("mock: media on https://%s%s%s:%u%s\n", v6 ? "[" : "", addr,
                   v6 ? "]" : "", mock_media_port(m), MOCK_MEDIA_PATH);
        if (mo.api_key != NULL)
            printf("mock: conversation API on http://%s%s%s:%u%s%s\n", v6 ? "[" : "", addr,
                   v6 ? "]" : "", mock_port(m), MOCK_REST_PATH,
                   mo.project ? mo.project : MOCK_DEFAULT_PROJECT);
        fflush(stdout);
        loop_on_signal(l, SIGINT, on_stop, NULL);
        loop_on_signal(l, SIGTERM, on_stop, NULL);
        while (!stop)
            loop_run_once(l, -1);
        fprintf(stderr, P_("mock: stopped after %lu request\n",
                           "mock: stopped after %lu requests\n", mock_requests(m)),
                mock_requests(m));
    }
    mock_free(m);
    loop_free(l);
    transport_free(t);
    settings_clear(&st);
    free(addr);
    return code;
}
