/* jelou-console setup: from nothing to a checked configuration on a real Jelou project. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jelou/atomic.h"
#include "jelou/url.h"
#include "jelou/xalloc.h"
#include "jelou/i18n.h"
#include "cli.h"
#include "config_edit.h"
#include "integration.h"
#include "prompt.h"

static const char setup_usage[] = N_(
    "Usage: jelou-console setup [--webhook-url URL] [--force] [options]\n"
    "       jelou-console setup --non-interactive --project ID --bot ID --webhook-url URL\n"
    "                           [--api-key-file F] [--force] [options]\n"
    "\n"
    "Asks for the project id, the bot id, the project's API key (not echoed) and the public\n"
    "webhook URL (the listener's or the team server's, as Jelou reaches it); then creates\n"
    "the integration, or updates its webhook URL, writes the signing secret (0600, shown by\n"
    "Jelou only once), the API key file (0600) and the config file, and runs doctor. Enter\n"
    "keeps the value in [brackets]. Run again, it changes only what differs; the config\n"
    "file keeps its comments and other lines.\n"
    "\n"
    "  --non-interactive  ask nothing: values come from the flags, the environment\n"
    "                     (JELOU_API_KEY for the key) and the config file\n"
    "  --webhook-url URL  the public https:// URL Jelou sends events to\n"
    "  --force            replace a secret file left from an integration that is gone\n"
    "\n"
    "The config file is --config, else $XDG_CONFIG_HOME/jelou-console/config; the key and\n"
    "secret files go beside it (api-key, signing-secret) unless configured elsewhere.\n"
    "Exit codes: 0 set up (doctor's ✗ lines say what is left), 1 refused by Jelou,\n"
    "2 bad input (nothing changed), 3 network failure.\n"
    "\n");

enum {
    OPT_NON_INTERACTIVE = OPT_FIRST_COMMAND_OPTION,
    OPT_WEBHOOK_URL,
    OPT_FORCE,
    OPT_HELP,
};

struct setup {
    struct settings_flags flags;
    int interactive;
    int force;
    const char *webhook_flag;
    char *config_path;
    char *project, *bot, *webhook_url;
    char *api_key;        /* typed or from JELOU_API_KEY: to be written */
    char *api_key_file;
    char *secret_file;
};

static char *
beside_config(const char *config_path, const char *name)
{
    const char *slash = strrchr(config_path, '/');
    if (slash == NULL)
        return xstrdup(name);
    return xasprintf("%.*s/%s", (int)(slash - config_path), config_path, name);
}

/* Asks until the answer is not empty (or the current value is kept with Enter). */
static int
ask(const char *question, const char *current, int hidden, char **out)
{
    char *q = current != NULL && !hidden ? xasprintf("%s [%s]: ", question, current)
                                         : xasprintf("%s: ", question);
    int rc = -1;
    for (;;) {
        char *answer = NULL, *cause = NULL;
        if (prompt_line(q, hidden, &answer, &cause) != 0) {
            cli_error(_("setup: %s"), cause);
            free(cause);
            break;
        }
        if (answer[0] != '\0') {
            *out = answer;
            rc = 0;
            break;
        }
        free(answer);
        if (current != NULL) {
            *out = xstrdup(current);
            rc = 0;
            break;
        }
    }
    free(q);
    return rc;
}

static int
need(const char *value, const char *what, const char *flag)
{
    if (value != NULL && value[0] != '\0')
        return 0;
    cli_error(_("setup --non-interactive: no %s: give %s"), what, flag);
    return -1;
}

/* Project, bot and key, asked or taken; the current values are the defaults. */
static int
gather_ids(struct setup *s, struct settings *st)
{
    if (s->interactive) {
        if (ask(_("Jelou project id"), st->project, 0, &s->project) != 0 ||
            ask(_("Bot id"), st->bot, 0, &s->bot) != 0)
            return -1;
    } else {
        if (need(st->project, _("project id"), "--project ID") != 0 ||
            need(st->bot, _("bot id"), "--bot ID") != 0)
            return -1;
        s->project = xstrdup(st->project);
        s->bot = xstrdup(st->bot);
    }
    xstrset(&st->project, s->project);
    xstrset(&st->bot, s->bot);
    s->api_key_file = st->api_key_file ? xstrdup(st->api_key_file)
                                       : beside_config(s->config_path, "api-key");
    char *cause = NULL;
    int have = s->flags.api_key_file == NULL && !st->api_key_from_env &&
               st->api_key_file != NULL && settings_load_api_key(st, &cause) == 0;
    free(cause);
    cause = NULL;
    if (s->interactive && s->flags.api_key_file == NULL) {
        if (ask(have ? _("API key (hidden; Enter keeps the saved one)") : _("API key (hidden)"),
                have ? st->api_key : NULL, 1, &s->api_key) != 0)
            return -1;
    } else if (settings_load_api_key(st, &cause) != 0) {
        cli_error(_("setup: %s"), cause);
        free(cause);
        return -1;
    } else if (s->flags.api_key_file == NULL) {
        s->api_key = xstrdup(st->api_key);
    }
    if (s->api_key != NULL) {
        for (const char *p = s->api_key; *p != '\0'; p++) {
            if ((unsigned char)*p < 0x20 || *p == ' ') {
                cli_error(_("setup: the API key holds a space or a control character"));
                return -1;
            }
        }
        if (st->api_key != NULL)
            explicit_bzero(st->api_key, strlen(st->api_key));
        free(st->api_key);
        st->api_key = xstrdup(s->api_key);
    }
    return 0;
}

static int
gather_url(struct setup *s, const char *current)
{
    const char *given = s->webhook_flag;
    if (given == NULL && s->interactive) {
        if (ask(_("Public webhook URL (where Jelou sends events)"), current, 0,
                &s->webhook_url) != 0)
            return -1;
    } else if (given == NULL && current == NULL) {
        return need(NULL, _("webhook URL"), "--webhook-url URL");
    } else {
        s->webhook_url = xstrdup(given != NULL ? given : current);
    }
    char *why = NULL;
    if (url_check_media(s->webhook_url, &why) != 0) {
        cli_error(_("setup: webhook URL: %s (Jelou calls it from the internet)"), why);
        free(why);
        return -1;
    }
    return 0;
}

static int
refused(const char *what, const struct integration_answer *a)
{
    if (a->http_status != 0)
        cli_error(_("setup: %s: refused (HTTP %ld): %s"), what, a->http_status, a->error);
    else
        cli_error(_("setup: %s: %s"), what, a->error);
    return a->http_status == 0 ? EXIT_NETWORK : EXIT_REFUSED;
}

/* Creates the integration, or points the one there at the URL. */
static int
converge_integration(struct setup *s, struct settings *st, struct integration_answer *cur)
{
    struct integration_answer a = {0};
    char *cause = NULL;
    int code = EXIT_SENT;
    struct rest_integration in = {.webhook_url = s->webhook_url};
    if (cur->ok) {
        if (cur->webhook_url != NULL && strcmp(cur->webhook_url, s->webhook_url) == 0) {
            printf(_("integration %s already sends events to %s\n"), cur->id ? cur->id : "?",
                   s->webhook_url);
            return EXIT_SENT;
        }
        if (integration_call(st, "PATCH", &in, &a, &cause) != 0) {
            cli_error(_("setup: %s"), cause);
            free(cause);
            return EXIT_BADINPUT;
        }
        if (a.ok)
            printf(_("integration %s now sends events to %s\n"), a.id ? a.id : "?",
                   s->webhook_url);
        else
            code = refused(_("updating the integration"), &a);
        integration_answer_clear(&a);
        return code;
    }
    /* Refused before Jelou is asked: the secret it would show could not be kept. */
    struct atomic_file *af = atomic_file_new(s->secret_file, 0600, s->force, &cause);
    if (af == NULL) {
        cli_error(_("setup: %s%s"), cause,
                  s->force ? "" : _(", but the project has no integration: it is an old "
                                    "secret; remove it or give --force"));
        free(cause);
        return EXIT_BADINPUT;
    }
    in.auth_type = "no_auth";
    if (integration_call(st, "POST", &in, &a, &cause) != 0) {
        cli_error(_("setup: %s"), cause);
        free(cause);
        atomic_file_free(af);
        return EXIT_BADINPUT;
    }
    if (!a.ok) {
        atomic_file_free(af);
        code = refused(_("creating the integration"), &a);
    } else if (integration_keep_secret(af, &a, "setup") != 0) {
        code = EXIT_REFUSED;
    } else {
        printf(_("created integration %s sending events to %s; signing secret written to %s\n"),
               a.id ? a.id : "?", s->webhook_url, s->secret_file);
    }
    integration_answer_clear(&a);
    return code;
}

/* The key file is written only when its content differs: the same key keeps the file. */
static int
write_key(struct setup *s)
{
    char *cause = NULL;
    if (s->api_key == NULL)
        return 0;
    char *old = settings_read_private_file(s->api_key_file, _("API key"), &cause);
    free(cause);
    cause = NULL;
    int same = old != NULL && strcmp(old, s->api_key) == 0;
    if (old != NULL)
        explicit_bzero(old, strlen(old));
    free(old);
    if (same)
        return 0;
    size_t n = strlen(s->api_key);
    char *line = xasprintf("%s\n", s->api_key);
    int rc = atomic_write(s->api_key_file, 0600, 1, line, n + 1, &cause);
    explicit_bzero(line, n + 1);
    free(line);
    if (rc != 0) {
        cli_error(_("setup: %s"), cause);
        free(cause);
        return -1;
    }
    printf(_("API key written to %s (mode 0600)\n"), s->api_key_file);
    return 0;
}

static int
write_config(struct setup *s)
{
    const char *keys[8], *values[8];
    size_t n = 0, changed = 0;
    keys[n] = "project", values[n++] = s->project;
    keys[n] = "bot", values[n++] = s->bot;
    keys[n] = "api_key_file", values[n++] = s->api_key_file;
    keys[n] = "secret_file", values[n++] = s->secret_file;
    /* What was given for this run is what the console will need on the next ones. */
    if (s->flags.rest_base != NULL)
        keys[n] = "rest_base", values[n++] = s->flags.rest_base;
    if (s->flags.endpoint != NULL)
        keys[n] = "endpoint", values[n++] = s->flags.endpoint;
    if (s->flags.cacert != NULL)
        keys[n] = "cacert", values[n++] = s->flags.cacert;
    char *rcause = NULL;
    char *old = atomic_read(s->config_path, &rcause);
    int missing = old == NULL && errno == ENOENT;
    if (old == NULL && !missing) {
        cli_error(_("setup: %s"), rcause);
        free(rcause);
        return -1;
    }
    free(rcause);
    if (old == NULL)
        old = xstrdup("# jelou-console configuration (written by jelou-console setup; edit "
                      "freely)\n[jelou]\n");
    char *text = config_edit(old, s->config_path, keys, values, n, &changed);
    int rc = 0;
    if (changed == 0 && !missing) {
        printf(_("config %s unchanged\n"), s->config_path);
    } else {
        char *cause = NULL;
        struct stat sb;
        mode_t mode = stat(s->config_path, &sb) == 0 ? (sb.st_mode & 0777) : 0600;
        rc = atomic_write(s->config_path, mode, 1, text, strlen(text), &cause);
        if (rc != 0) {
            cli_error(_("setup: %s"), cause);
            free(cause);
        } else {
            if (missing)
                printf(P_("config %s written (%zu setting)\n",
                          "config %s written (%zu settings)\n", changed),
                       s->config_path, changed);
            else
                printf(P_("config %s updated (%zu setting)\n",
                          "config %s updated (%zu settings)\n", changed),
                       s->config_path, changed);
        }
    }
    free(old);
    free(text);
    return rc;
}

static int
run(struct setup *s)
{
    struct settings st = {0};
    struct integration_answer cur = {0};
    char *cause = NULL;
    int code = EXIT_BADINPUT;

    s->config_path = settings_config_path(&s->flags);
    if (s->config_path == NULL) {
        cli_error(_("setup: no home directory for the config file: give --config PATH"));
        return EXIT_BADINPUT;
    }
    /* The current settings are the defaults; a broken config is fixed first, by hand. */
    if (cli_load_settings(&st, &s->flags, 0) != 0)
        goto out;
    if (gather_ids(s, &st) != 0)
        goto out;
    s->secret_file = integration_secret_path(&st, &s->flags);
    if (s->secret_file == NULL)
        s->secret_file = beside_config(s->config_path, "signing-secret");
    /* The read proves the key and the project before anything is written. */
    if (integration_call(&st, "GET", NULL, &cur, &cause) != 0) {
        cli_error(_("setup: %s"), cause);
        goto out;
    }
    if (!cur.ok && cur.http_status != 404) {
        code = refused(_("reading the integration"), &cur);
        goto out;
    }
    if (gather_url(s, cur.ok ? cur.webhook_url : NULL) != 0)
        goto out;
    code = converge_integration(s, &st, &cur);
    if (code != EXIT_SENT)
        goto out;
    if (write_key(s) != 0 || write_config(s) != 0) {
        code = EXIT_BADINPUT;
        goto out;
    }
    fputs(_("\nChecking with doctor:\n"), stdout);
    fflush(stdout);
    struct settings_flags df = {.config = s->config_path};
    int healthy = doctor_run(&df, 0) == EXIT_SENT;
    if (healthy)
        fputs(_("\nNext: run jelou-console to answer users.\n"), stdout);
    else
        fputs(_("\nNext: fix the lines marked ✗ above, then run jelou-console doctor.\n"),
              stdout);
    code = EXIT_SENT;

out:
    free(cause);
    integration_answer_clear(&cur);
    settings_clear(&st);
    return code;
}

static void
setup_clear(struct setup *s)
{
    free(s->config_path);
    free(s->project);
    free(s->bot);
    free(s->webhook_url);
    if (s->api_key != NULL)
        explicit_bzero(s->api_key, strlen(s->api_key));
    free(s->api_key);
    free(s->api_key_file);
    free(s->secret_file);
}

int
cmd_setup(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"non-interactive", no_argument, NULL, OPT_NON_INTERACTIVE},
        {"webhook-url", required_argument, NULL, OPT_WEBHOOK_URL},
        {"force", no_argument, NULL, OPT_FORCE},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct setup s = {.interactive = 1};
    int opt, first = 1;
    while ((opt = cli_next_option(argc, argv, longopts, &s.flags, first)) != -1) {
        first = 0;
        if (opt == CLI_REFUSED)
            return EXIT_BADINPUT;
        switch (opt) {
        case OPT_NON_INTERACTIVE: s.interactive = 0; break;
        case OPT_WEBHOOK_URL: s.webhook_flag = optarg; break;
        case OPT_FORCE: s.force = 1; break;
        case OPT_HELP:
            fputs(_(setup_usage), stdout);
            cli_common_help();
            return EXIT_SENT;
        default:
            cli_bad_option("setup", argv);
            return EXIT_BADINPUT;
        }
    }
    if (optind < argc) {
        cli_error(_("setup: unexpected argument '%s'"), argv[optind]);
        return EXIT_BADINPUT;
    }
    if (s.interactive && !isatty(STDIN_FILENO)) {
        cli_error(_("setup: stdin is not a terminal: use --non-interactive with --project, "
                    "--bot, --webhook-url and JELOU_API_KEY or --api-key-file"));
        return EXIT_BADINPUT;
    }
    int code = run(&s);
    setup_clear(&s);
    return code;
}
