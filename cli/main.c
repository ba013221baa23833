/* jelou-console: wires the command line to the subcommands. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jelou/demo.h"
#include "jelou/i18n.h"
#include "jelou/settings.h"
#include "jelou/url.h"
#include "jelou/xalloc.h"
#include "app.h"
#include "cli.h"
#include "term.h"

/* The console itself, when no subcommand is named. */
static int console(int argc, char **argv);

/* One row per subcommand, tmux-style: its name, what runs it, and its lines in --help
 * (each printed after the usage indent). Adding a subcommand is adding a row. */
struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage;
};

static const struct command commands[] = {
    {"send", cmd_send,
     N_("jelou-console send --room R --user U --text T    send one message\n"
     "jelou-console send --room R --user U --attach URL [--type T] [--caption C]\n"
     "                   [--filename F] [--mime M] [--id ID] [--dry-run] [--json]\n"
     "jelou-console send --batch FILE|- [--parallel N] one JSON object per line\n")},
    {"mime", cmd_mime,
     N_("jelou-console mime URL|PATH [--json]             detected MIME and message type\n")},
    {"mock", cmd_mock,
     N_("jelou-console mock --listen ADDR:PORT [...]      sandbox endpoint\n")},
    {"listen", cmd_listen,
     N_("jelou-console listen [--listen ADDR:PORT] [...]  receive Jelou's events\n")},
    {"conversation", cmd_conversation,
     N_("jelou-console conversation start|close --user U | get --id C   REST API\n")},
    {"integration", cmd_integration,
     N_("jelou-console integration get|create|update|delete [...]  the webhook\n")},
    {"serve", cmd_serve,
     N_("jelou-console serve --redis URL [--listen ADDR:PORT] [...]  the team server\n")},
    {"agent", cmd_agent,
     N_("jelou-console agent add NAME [--token-file F] | list | revoke NAME  its agents\n")},
    {"setup", cmd_setup,
     N_("jelou-console setup [--non-interactive ...]      first run on a real project\n")},
    {"doctor", cmd_doctor,
     N_("jelou-console doctor [--json]                    check the configuration\n")},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void
print_usage(void)
{
    fputs(_("Usage: jelou-console [--demo] [options]                 the console (--demo: "
            "sandbox)\n"), stdout);
    fputs(_("       jelou-console --server URL --token-file FILE     the console in team mode\n"),
          stdout);
    for (size_t i = 0; i < N_COMMANDS; i++) {
        for (const char *line = _(commands[i].usage); *line != '\0';) {
            const char *end = strchr(line, '\n');
            printf("       %.*s\n", (int)(end - line), line);
            line = end + 1;
        }
    }
    fputs(_("       jelou-console --version | --help\n"
            "\n"
            "Each command has its own --help. Settings come from flags, then the environment\n"
            "(JELOU_ENDPOINT JELOU_PROJECT_ID JELOU_BOT_ID JELOU_SIGNING_SECRET\n"
            "JELOU_SIGNING_SECRET_FILE), then $XDG_CONFIG_HOME/jelou-console/config.\n"
            "See jelou-console(1).\n"),
          stdout);
}

/* Team mode: the team server holds the secret and receives Jelou's events; the console
 * only needs the server and the agent's token. Takes st (cleared here). */
static int
team_console(struct settings *st, const char *listen)
{
    char *cause = NULL;
    int code = EXIT_BADINPUT;
    if (st->secret_origin != NULL) {
        cli_error(_("team mode holds no signing secret, but %s names one: remove it (the team "
                    "server signs every message)"), st->secret_origin);
    } else if (listen != NULL) {
        cli_error(_("team mode runs no listener: the team server receives Jelou's events "
                    "(drop --listen)"));
    } else if (settings_load_token(st, &cause) != 0) {
        cli_error("%s", cause);
        free(cause);
    } else {
        struct app_opts ao = {.st = st, .demo_dir = demo_dir(), .team = 1};
        code = app_run(&ao);
    }
    settings_clear(st);
    return code;
}

/* The screen, on a real project or (--demo) on the embedded sandbox. */
static int
console(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_LONGOPTS,
        {"demo", no_argument, NULL, 'D'},
        {"listen", required_argument, NULL, 'L'},
        {"public", no_argument, NULL, 'P'},
        {"server", required_argument, NULL, 'S'},
        {"token-file", required_argument, NULL, 'T'},
        {NULL, 0, NULL, 0},
    };
    struct settings_flags flags = {0};
    int demo = 0, public_listen = 0, opt;
    const char *listen = NULL;
    int first = 1;
    while ((opt = cli_next_option(argc, argv, longopts, &flags, first)) != -1) {
        first = 0;
        if (opt == CLI_REFUSED)
            return EXIT_BADINPUT;
        if (opt == 'D') {
            demo = 1;
        } else if (opt == 'L') {
            listen = optarg;
        } else if (opt == 'P') {
            public_listen = 1;
        } else if (opt == 'S') {
            flags.server = optarg;
        } else if (opt == 'T') {
            flags.token_file = optarg;
        } else {
            cli_error(_("unknown command or option '%s'; see 'jelou-console --help'"),
                      argv[optind - 1]);
            return EXIT_BADINPUT;
        }
    }
    if (optind < argc) {
        cli_error(_("unknown command or option '%s'; see 'jelou-console --help'"),
                  argv[optind]);
        return EXIT_BADINPUT;
    }
    if (demo && (flags.server != NULL || flags.token_file != NULL)) {
        cli_error(_("--demo runs its own sandbox: it takes no --server or --token-file"));
        return EXIT_BADINPUT;
    }
    /* Without a terminal, --demo proves the pipeline instead of drawing a screen. */
    if (demo && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)))
        return cmd_demo(argc, argv);

    /* Refused before anything starts: a console that cannot be drawn helps nobody. */
    char *tcause = NULL;
    if (term_curses_check(&tcause) != 0) {
        cli_error("%s", tcause);
        free(tcause);
        return EXIT_BADINPUT;
    }

    struct settings st = {0};
    if (demo) {
        char *cause = NULL;
        if (settings_load(&st, &flags, &cause) != 0) {
            /* The demo needs none of the user's settings: a broken one must not stop it. */
            free(cause);
            settings_clear(&st);
            st.attempts = SETTINGS_DEFAULT_ATTEMPTS;
            st.timeout_ms = SETTINGS_DEFAULT_TIMEOUT_S * 1000;
            st.connect_timeout_ms = SETTINGS_DEFAULT_CONNECT_TIMEOUT_S * 1000;
        }
    } else {
        if (cli_load_settings(&st, &flags, 0) != 0) {
            settings_clear(&st);
            return EXIT_BADINPUT;
        }
        if (st.server != NULL)
            return team_console(&st, listen);
        char *scause = NULL;
        if (settings_load_secret(&st, &scause) != 0) {
            cli_error("%s", scause);
            free(scause);
            settings_clear(&st);
            return EXIT_BADINPUT;
        }
        if (st.project == NULL || st.bot == NULL) {
            cli_error(_("no %s id: give --%s, set %s or put %s= in the config file (or try "
                        "--demo)"), st.project ? "bot" : "project", st.project ? "bot" : "project",
                      st.project ? "JELOU_BOT_ID" : "JELOU_PROJECT_ID",
                      st.project ? "bot" : "project");
            settings_clear(&st);
            return EXIT_BADINPUT;
        }
    }
    /* Listening beyond loopback is a decision, not an accident. */
    const char *where = listen ? listen : st.listen;
    char *addr = NULL, *cause = NULL;
    unsigned port;
    if (where && !demo) {
        if (url_parse_listen(where, &addr, &port, &cause) != 0) {
            cli_error("%s", cause);
            free(cause);
            settings_clear(&st);
            return EXIT_BADINPUT;
        }
        int loopback = url_host_is_loopback(addr);
        free(addr);
        if (!loopback && !public_listen) {
            cli_error(_("listening on %s needs --public: Jelou must reach it over HTTPS, "
                        "through a reverse proxy or a tunnel (see README)"), where);
            settings_clear(&st);
            return EXIT_BADINPUT;
        }
    }
    struct app_opts ao = {
        .st = &st,
        .demo = demo,
        .demo_dir = demo_dir(),
        .listen = listen,
        .public_listen = public_listen,
    };
    int code = app_run(&ao);
    settings_clear(&st);
    return code;
}

/* The agent's language (LANGUAGE, LC_ALL, LC_MESSAGES) for what a person reads. Only
 * messages and characters follow the locale here: numbers in JSON and journals never do.
 * JELOU_LOCALEDIR points at translations not installed yet (a build tree, the tests). */
#if defined(ENABLE_NLS) && ENABLE_NLS
/* A build tree's own translations (make writes locale/ beside the executable, and a
 * config.status says it is a build tree): ./jelou-console speaks the agent's language
 * before `make install`. NULL elsewhere. */
static char *
build_tree_locale(void)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash == NULL)
        return NULL;
    *slash = '\0';
    char *marker = xasprintf("%s/config.status", exe);
    char *dir = xasprintf("%s/locale", exe);
    struct stat st;
    int ok = access(marker, F_OK) == 0 && stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
    free(marker);
    if (!ok) {
        free(dir);
        return NULL;
    }
    return dir;
}
#endif

static void
i18n_start(void)
{
    setlocale(LC_CTYPE, "");
    setlocale(LC_MESSAGES, "");
#if defined(ENABLE_NLS) && ENABLE_NLS
    const char *dir = getenv("JELOU_LOCALEDIR");
    char *here = dir && *dir ? NULL : build_tree_locale();
    bindtextdomain(PACKAGE, dir && *dir ? dir : here ? here : LOCALEDIR);
    textdomain(PACKAGE);
    free(here);
#endif
}

/* --json and --batch output is read by programs: its error texts (ours and strerror's)
 * stay in English, so the whole run speaks English rather than mixing the two. */
static void
machine_words(int argc, char **argv)
{
    for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--json") == 0 || strncmp(argv[i], "--batch", 7) == 0)
            setlocale(LC_MESSAGES, "C");
}

int
main(int argc, char **argv)
{
    i18n_start();
    machine_words(argc, argv);
    if (argc >= 2) {
        const char *cmd = argv[1];
        for (size_t i = 0; i < N_COMMANDS; i++)
            if (strcmp(cmd, commands[i].name) == 0)
                return commands[i].run(argc - 1, argv + 1);
        if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
            printf("jelou-console %s\n", PACKAGE_VERSION);
            return EXIT_SENT;
        }
        if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
            print_usage();
            return EXIT_SENT;
        }
    }
    return console(argc, argv);
}
