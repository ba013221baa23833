/* What the subcommands share: common options, settings loading and error printing. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "jelou/xalloc.h"
#include "jelou/i18n.h"

void
cli_common_help(void)
{
    printf(_("Options shared by every command:\n"
             "  --endpoint URL        webhook URL (default %s)\n"
             "  --project ID          Jelou project id\n"
             "  --bot ID              Jelou bot id\n"
             "  --secret-file PATH    file holding the signing secret (mode 0600)\n"
             "  --cacert PATH         extra CA certificate(s) to trust\n"
             "  --config PATH         INI config file\n"
             "  --attempts N          attempts per message on 5xx/network errors (default 3)\n"
             "  --timeout S           seconds per attempt (default 30)\n"
             "  --connect-timeout S   seconds to connect (default 10)\n"
             "  --api-key-file PATH   file holding the REST API key (mode 0600; or "
             "JELOU_API_KEY)\n"
             "  --rest-base URL       REST API base, {projectId} is replaced (default\n"
             "                        %s)\n"),
           SETTINGS_DEFAULT_ENDPOINT, SETTINGS_DEFAULT_REST_BASE);
}

int
cli_common_option(int opt, const char *arg, struct settings_flags *f)
{
    switch (opt) {
    case OPT_ENDPOINT:
        f->endpoint = arg;
        return 1;
    case OPT_PROJECT:
        f->project = arg;
        return 1;
    case OPT_BOT:
        f->bot = arg;
        return 1;
    case OPT_SECRET_FILE:
        f->secret_file = arg;
        return 1;
    case OPT_CACERT:
        f->cacert = arg;
        return 1;
    case OPT_CONFIG:
        f->config = arg;
        return 1;
    case OPT_ATTEMPTS:
        f->attempts = arg;
        return 1;
    case OPT_TIMEOUT:
        f->timeout = arg;
        return 1;
    case OPT_CONNECT_TIMEOUT:
        f->connect_timeout = arg;
        return 1;
    case OPT_API_KEY_FILE:
        f->api_key_file = arg;
        return 1;
    case OPT_REST_BASE:
        f->rest_base = arg;
        return 1;
    case OPT_API_KEY:
        cli_error(_("the API key is never taken from the command line (it would show in ps); "
                  "use --api-key-file PATH or JELOU_API_KEY"));
        return -1;
    case OPT_SECRET:
        cli_error(_("the signing secret is never taken from the command line (it would show in "
                  "ps); use --secret-file PATH or JELOU_SIGNING_SECRET"));
        return -1;
    default:
        return 0;
    }
}

int
cli_next_option(int argc, char **argv, const struct option *longopts, struct settings_flags *f,
                int first)
{
    if (first) {
        opterr = 0;
        optind = 1;
    }
    int opt, rc;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        rc = cli_common_option(opt, optarg, f);
        if (rc < 0)
            return CLI_REFUSED;
        if (rc == 0)
            return opt;
    }
    return -1;
}

void
cli_error(const char *fmt, ...)
{
    va_list ap;
    fputs("jelou-console: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void
cli_bad_option(const char *command, char **argv)
{
    const char *what = optind > 0 ? argv[optind - 1] : "?";
    if (optopt != 0 && optopt < 0x100 && optopt != '?')
        cli_error(_("%s: option -%c needs a value or is unknown; see 'jelou-console %s --help'"),
                  command, optopt, command);
    else
        cli_error(_("%s: bad option '%s' (unknown, or missing its value); see "
                  "'jelou-console %s --help'"), command, what, command);
}

int
cli_load_settings(struct settings *s, const struct settings_flags *f, int need_secret)
{
    char *cause = NULL;
    if (settings_load(s, f, &cause) != 0 || (need_secret && settings_load_secret(s, &cause))) {
        cli_error("%s", cause);
        free(cause);
        return -1;
    }
    return 0;
}

int
cli_action(const char *command, const char *const *names, size_t n, const char *usage,
           int *argc, char ***argv, int *action)
{
    char **v = *argv;
    if (*argc >= 2 && (strcmp(v[1], "--help") == 0 || strcmp(v[1], "-h") == 0)) {
        fputs(_(usage), stdout);
        cli_common_help();
        return 1;
    }
    for (size_t i = 0; *argc >= 2 && i < n; i++) {
        if (strcmp(v[1], names[i]) == 0) {
            *action = (int)i;
            (*argc)--;
            (*argv)++;
            return 0;
        }
    }
    /* "say get, create, update or delete": the names are words to type, the "or" is not. */
    /* TRANSLATORS: the last separator in a list of action words: "start, close or get". */
    const char *or = _(" or ");
    size_t cap = 64 + strlen(or);
    for (size_t i = 0; i < n; i++)
        cap += strlen(names[i]) + 2;
    char *list = xmalloc(cap);
    list[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            strcat(list, i + 1 == n ? or : ", ");
        strcat(list, names[i]);
    }
    cli_error(_("%s: say %s (got %s%s%s); see 'jelou-console %s --help'"), command, list,
              *argc < 2 ? _("nothing") : "'", *argc < 2 ? "" : v[1], *argc < 2 ? "" : "'",
              command);
    free(list);
    return -1;
}

void
cli_raise_fd_limit(unsigned long want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
        rl.rlim_cur >= want)
        return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
    /* Failing leaves the old limit: the transfers beyond it fail and say why. */
    (void)setrlimit(RLIMIT_NOFILE, &rl);
}
