/* jelou-console serve: the team server's options and settings; the engine is serve/. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jelou/i18n.h"
#include "jelou/paths.h"
#include "jelou/serve.h"
#include "jelou/settings.h"
#include "jelou/url.h"
#include "jelou/xalloc.h"

static const char serve_help[] = N_(
    "Usage: jelou-console serve --redis URL [--listen ADDR:PORT] [--public]\n"
    "                           [--tls-cert PEM --tls-key PEM] [--spool PATH] [options]\n"
    "\n"
    "The team server: receives Jelou's webhook, keeps the team's rooms and messages in\n"
    "Redis, and serves the agents' HTTP API (Bearer tokens from 'jelou-console agent').\n"
    "Two or more instances may share one Redis behind a load balancer.\n"
    "\n"
    "  --redis URL        redis://HOST:PORT[/DB] or unix:///PATH (config [serve] redis)\n"
    "  --listen ADDR:PORT where to listen (config [serve] listen; default 127.0.0.1:8788)\n"
    "  --public           allow a non-loopback --listen address\n"
    "  --tls-cert PEM     serve HTTPS with this certificate (with --tls-key)\n"
    "  --tls-key PEM      its private key (mode 0600)\n"
    "  --spool PATH       where webhooks wait while Redis is down (default\n"
    "                     $XDG_STATE_HOME/jelou-console/serve-spool.jsonl)\n"
    "\n"
    "API: POST /jelou/webhook, GET /v1/events (SSE), GET /v1/rooms, POST /v1/messages,\n"
    "POST /v1/rooms/ROOM/{claim,release,close,note,status,typing,assign}, GET /v1/healthz.\n"
    "See jelou-console(1).\n\n");

int
cmd_serve(int argc, char **argv)
{
    enum { O_REDIS = OPT_FIRST_COMMAND_OPTION, O_LISTEN, O_PUBLIC, O_CERT, O_KEY, O_SPOOL,
           O_HELP };
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"redis", required_argument, NULL, O_REDIS},
        {"listen", required_argument, NULL, O_LISTEN},
        {"public", no_argument, NULL, O_PUBLIC},
        {"tls-cert", required_argument, NULL, O_CERT},
        {"tls-key", required_argument, NULL, O_KEY},
        {"spool", required_argument, NULL, O_SPOOL},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    struct settings_flags flags = {0};
    const char *redis_url = NULL, *listen = NULL, *cert = NULL, *key = NULL, *spool = NULL;
    int public_listen = 0, opt, first = 1;
    while ((opt = cli_next_option(argc, argv, longopts, &flags, first)) != -1) {
        first = 0;
        switch (opt) {
        case CLI_REFUSED: return EXIT_BADINPUT;
        case O_REDIS: redis_url = optarg; break;
        case O_LISTEN: listen = optarg; break;
        case O_PUBLIC: public_listen = 1; break;
        case O_CERT: cert = optarg; break;
        case O_KEY: key = optarg; break;
        case O_SPOOL: spool = optarg; break;
        case O_HELP:
            fputs(_(serve_help), stdout);
            cli_common_help();
            return EXIT_SENT;
        default: cli_bad_option("serve", argv); return EXIT_BADINPUT;
        }
    }
    if (optind < argc) {
        cli_error(_("serve: unexpected argument '%s'"), argv[optind]);
        return EXIT_BADINPUT;
    }

    struct settings st = {0};
    int code = EXIT_BADINPUT;
    char *cause = NULL, *addr = NULL, *cert_pem = NULL, *key_pem = NULL, *spool_path = NULL;
    unsigned port = 0;
    if (cli_load_settings(&st, &flags, 1) != 0)
        goto out;
    if (redis_url == NULL)
        redis_url = st.serve_redis;
    if (listen == NULL)
        listen = st.serve_listen ? st.serve_listen : SETTINGS_DEFAULT_SERVE_LISTEN;
    if (redis_url == NULL) {
        cli_error(_("serve: no Redis: give --redis redis://HOST:PORT or put redis= in the "
                    "config's [serve] section"));
        goto out;
    }
    if (st.project == NULL) {
        cli_error(_("serve: no project id: give --project, set JELOU_PROJECT_ID or put "
                    "project= in the config file"));
        goto out;
    }
    if (settings_load_inbound_token(&st, &cause) != 0)
        goto fail_cause;
    /* Optional: without it a close only closes the room for the team, not in Jelou. */
    if (settings_load_api_key(&st, &cause) != 0 &&
        (st.api_key_file != NULL || st.api_key_from_env))
        goto fail_cause;
    free(cause);
    cause = NULL;
    if (url_parse_listen(listen, &addr, &port, &cause) != 0)
        goto fail_cause;
    if (!url_host_is_loopback(addr) && !public_listen) {
        cli_error(_("serve: listening on %s needs --public (and TLS or a reverse proxy in "
                    "front; see README)"), listen);
        goto out;
    }
    if ((cert == NULL) != (key == NULL)) {
        cli_error(_("serve: --tls-cert and --tls-key go together"));
        goto out;
    }
    if (cert != NULL) {
        FILE *f = fopen(cert, "r");
        struct buf b = {0};
        char chunk[4096];
        size_t n;
        if (f == NULL) {
            cli_error(_("serve: cannot read %s: %s"), cert, strerror(errno));
            goto out;
        }
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
            buf_append(&b, chunk, n);
        fclose(f);
        cert_pem = buf_take(&b);
        key_pem = settings_read_private_pem(key, _("TLS key"), &cause);
        if (key_pem == NULL)
            goto fail_cause;
    }
    spool_path = spool ? xstrdup(spool)
                       : paths_state_file("serve-spool.jsonl", _("the webhook spool"), &cause);
    if (spool_path == NULL)
        goto fail_cause;

    struct serve_opts so = {.st = &st, .redis_url = redis_url, .addr = addr, .port = port,
                            .tls_cert_pem = cert_pem, .tls_key_pem = key_pem,
                            .spool = spool_path};
    int rc = serve_run(&so, &cause);
    if (rc == 0) {
        code = EXIT_SENT;
        goto out;
    }
    /* -2: it could not listen (the address is taken or not ours). */
    if (rc == -2)
        code = EXIT_NETWORK;

fail_cause:
    cli_error(_("serve: %s"), cause ? cause : _("failed"));
out:
    free(cause);
    free(spool_path);
    free(addr);
    free(cert_pem);
    if (key_pem != NULL) {
        explicit_bzero(key_pem, strlen(key_pem));
        free(key_pem);
    }
    settings_clear(&st);
    return code;
}
