/* jelou-console agent: the team server's agents and their bearer tokens, kept in Redis. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "jelou/i18n.h"
#include "jelou/loop.h"
#include "jelou/redis.h"
#include "jelou/sign.h"
#include "jelou/team.h"
#include "jelou/xalloc.h"

#define AGENT_WAIT_MS 5000
#define AGENT_NAME_MAX 64

static const char agent_help[] = N_(
    "Usage: jelou-console agent add NAME [--token-file FILE] [--redis URL]\n"
    "       jelou-console agent list [--redis URL]\n"
    "       jelou-console agent revoke NAME [--redis URL]\n"
    "\n"
    "Agents of the team server (jelou-console serve). add creates a new bearer token for\n"
    "NAME (replacing an old one), writes it to FILE (mode 0600) or prints it once; only its\n"
    "SHA-256 is stored. revoke ends the agent's open streams within 5 s; its requests get\n"
    "401 from then on. --redis defaults to the config's [serve] redis.\n");

struct wait {
    int done;
    int ok;
    struct buf out;
};

static void
on_ready(void *arg, int up, const char *why)
{
    struct wait *w = arg;
    if (up)
        w->done = 1;
    else if (why != NULL)
        buf_printf(&w->out, "%s", why);
}

static void
on_reply(void *arg, const struct redis_reply *r)
{
    struct wait *w = arg;
    w->done = 1;
    if (r == NULL || r->type == RR_ERR) {
        buf_printf(&w->out, "%s", r ? r->str : _("lost the connection to Redis"));
        return;
    }
    w->ok = 1;
    if (r->type == RR_INT)
        w->ok = r->integer != 0;
    for (size_t i = 0; r->type == RR_ARR && i + 1 < r->n; i += 2)
        buf_printf(&w->out, "%s\n", r->elem[i]->str ? r->elem[i]->str : "");
}

static int
name_ok(const char *n)
{
    size_t len = strlen(n);
    if (len == 0 || len > AGENT_NAME_MAX)
        return 0;
    for (const char *p = n; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-' || *p == '@'))
            return 0;
    }
    return 1;
}

/* Written before Redis knows the token, so that a token in Redis always has its file. */
static int
write_token(const char *path, const char *token)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        cli_error(_("agent: cannot write %s: %s"), path, strerror(errno));
        return -1;
    }
    size_t n = strlen(token);
    int ok = fchmod(fd, 0600) == 0 && write(fd, token, n) == (ssize_t)n &&
             write(fd, "\n", 1) == 1 && fsync(fd) == 0;
    int saved = errno;
    close(fd);
    if (!ok) {
        cli_error(_("agent: cannot write %s: %s"), path, strerror(saved));
        unlink(path);
        return -1;
    }
    return 0;
}

int
cmd_agent(int argc, char **argv)
{
    enum { O_REDIS = OPT_FIRST_COMMAND_OPTION, O_TOKEN_FILE, O_HELP };
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"redis", required_argument, NULL, O_REDIS},
        {"token-file", required_argument, NULL, O_TOKEN_FILE},
        {"help", no_argument, NULL, O_HELP},
        {NULL, 0, NULL, 0},
    };
    struct settings_flags flags = {0};
    const char *redis_url = NULL, *token_file = NULL;
    int opt, first = 1;
    while ((opt = cli_next_option(argc, argv, longopts, &flags, first)) != -1) {
        first = 0;
        switch (opt) {
        case CLI_REFUSED: return EXIT_BADINPUT;
        case O_REDIS: redis_url = optarg; break;
        case O_TOKEN_FILE: token_file = optarg; break;
        case O_HELP:
            fputs(_(agent_help), stdout);
            return EXIT_SENT;
        default: cli_bad_option("agent", argv); return EXIT_BADINPUT;
        }
    }
    const char *verb = optind < argc ? argv[optind] : NULL;
    const char *name = optind + 1 < argc ? argv[optind + 1] : NULL;
    int want_name = verb && (strcmp(verb, "add") == 0 || strcmp(verb, "revoke") == 0);
    if (verb == NULL || (!want_name && strcmp(verb, "list") != 0)) {
        cli_error(_("agent: say add NAME, list or revoke NAME; see 'jelou-console agent --help'"));
        return EXIT_BADINPUT;
    }
    if (argc > optind + (want_name ? 2 : 1)) {
        cli_error(_("agent: unexpected argument '%s'"), argv[optind + (want_name ? 2 : 1)]);
        return EXIT_BADINPUT;
    }
    if (want_name && (name == NULL || !name_ok(name))) {
        cli_error(_("agent: the name must be 1..%d of A-Z a-z 0-9 . _ - @"), AGENT_NAME_MAX);
        return EXIT_BADINPUT;
    }
    if (token_file != NULL && strcmp(verb, "add") != 0) {
        cli_error(_("agent: --token-file goes with add"));
        return EXIT_BADINPUT;
    }
    struct settings st = {0};
    if (cli_load_settings(&st, &flags, 0) != 0)
        return EXIT_BADINPUT;
    if (redis_url == NULL)
        redis_url = st.serve_redis;
    if (redis_url == NULL) {
        cli_error(_("agent: no Redis: give --redis URL or put redis= in the config's [serve] "
                    "section"));
        settings_clear(&st);
        return EXIT_BADINPUT;
    }

    int code = EXIT_NETWORK;
    char *cause = NULL, *token = NULL;
    struct wait w = {0};
    struct loop *l = loop_new();
    struct redis_opts ro = {.url = redis_url, .functions = team_functions,
                            .on_state = on_ready, .arg = &w};
    struct redis *r = redis_new(l, &ro, &cause);
    if (r == NULL) {
        cli_error(_("agent: %s"), cause);
        code = EXIT_BADINPUT;
        goto out;
    }
    if (redis_wait(r, l, &w.done, AGENT_WAIT_MS) != 0) {
        cli_error(_("agent: Redis at %s did not answer%s%s"), redis_url, w.out.len ? ": " : "",
                  w.out.len ? w.out.data : "");
        goto out;
    }
    buf_free(&w.out);
    w.done = 0;
    char sha[65];
    if (strcmp(verb, "add") == 0) {
        unsigned char raw[32];
        if (sign_random(raw, sizeof raw) != 0) {
            cli_error(_("agent: no random bytes for a token"));
            goto out;
        }
        token = xmalloc(2 * sizeof raw + 1);
        for (size_t i = 0; i < sizeof raw; i++)
            snprintf(token + 2 * i, 3, "%02x", raw[i]);
        explicit_bzero(raw, sizeof raw);
        sign_sha256_hex(token, strlen(token), sha);
        if (token_file != NULL && write_token(token_file, token) != 0) {
            code = EXIT_BADINPUT;
            goto out;
        }
        const char *argv2[] = {"FCALL", "jc_agent_add", "0", name, sha};
        redis_command(r, on_reply, &w, 5, argv2, NULL);
    } else if (strcmp(verb, "revoke") == 0) {
        const char *argv2[] = {"FCALL", "jc_agent_revoke", "0", name};
        redis_command(r, on_reply, &w, 4, argv2, NULL);
    } else {
        const char *argv2[] = {"HGETALL", TEAM_AGENTS};
        redis_command(r, on_reply, &w, 2, argv2, NULL);
    }
    if (redis_wait(r, l, &w.done, AGENT_WAIT_MS) != 0) {
        cli_error(_("agent: Redis did not answer"));
        goto out;
    }
    if (!w.ok) {
        if (strcmp(verb, "revoke") == 0 && w.out.len == 0) {
            cli_error(_("agent: no agent named '%s'"), name);
            code = EXIT_BADINPUT;
        } else {
            cli_error(_("agent: %s"), w.out.len ? w.out.data : _("refused"));
        }
        goto out;
    }
    if (strcmp(verb, "add") == 0) {
        if (token_file != NULL)
            printf(_("agent: %s added; token written to %s\n"), name, token_file);
        else
            printf("%s\n", token);
    } else if (strcmp(verb, "revoke") == 0) {
        printf(_("agent: %s revoked\n"), name);
    } else {
        fputs(w.out.data ? w.out.data : "", stdout);
    }
    code = EXIT_SENT;
out:
    if (token != NULL) {
        explicit_bzero(token, strlen(token));
        free(token);
    }
    free(cause);
    buf_free(&w.out);
    redis_free(r);
    loop_free(l);
    settings_clear(&st);
    return code;
}
