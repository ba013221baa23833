/* What the subcommands share: exit codes, common options, error printing. */
#ifndef JELOU_CLI_H
#define JELOU_CLI_H

#include <getopt.h>

#include "jelou/rest.h"
#include "jelou/settings.h"

/* The exit codes scripts rely on (design.md section 4). */
enum {
    EXIT_SENT = 0,     /* every message got a 2xx */
    EXIT_REFUSED = 1,  /* the server refused, or failed after retries */
    EXIT_BADINPUT = 2, /* bad input or configuration: nothing was sent */
    EXIT_NETWORK = 3,  /* network failure */
};

/* getopt_long codes of the options every command takes; add CLI_COMMON_LONGOPTS. */
enum {
    OPT_ENDPOINT = 0x100,
    OPT_PROJECT,
    OPT_BOT,
    OPT_SECRET_FILE,
    OPT_CACERT,
    OPT_CONFIG,
    OPT_ATTEMPTS,
    OPT_TIMEOUT,
    OPT_CONNECT_TIMEOUT,
    OPT_SECRET, /* refused: the secret never travels on argv */
    OPT_API_KEY_FILE,
    OPT_REST_BASE,
    OPT_API_KEY, /* refused like OPT_SECRET */
    OPT_FIRST_COMMAND_OPTION,
};

#define CLI_COMMON_LONGOPTS \
    {"endpoint", required_argument, NULL, OPT_ENDPOINT}, \
    {"project", required_argument, NULL, OPT_PROJECT}, \
    {"bot", required_argument, NULL, OPT_BOT}, \
    {"secret-file", required_argument, NULL, OPT_SECRET_FILE}, \
    {"cacert", required_argument, NULL, OPT_CACERT}, \
    {"config", required_argument, NULL, OPT_CONFIG}, \
    {"attempts", required_argument, NULL, OPT_ATTEMPTS}, \
    {"timeout", required_argument, NULL, OPT_TIMEOUT}, \
    {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT}, \
    {"secret", required_argument, NULL, OPT_SECRET}, \
    {"signing-secret", required_argument, NULL, OPT_SECRET}, \
    {"api-key-file", required_argument, NULL, OPT_API_KEY_FILE}, \
    {"rest-base", required_argument, NULL, OPT_REST_BASE}, \
    {"api-key", required_argument, NULL, OPT_API_KEY}

/* Prints the options every command shares, in the agent's language: each command's
 * --help prints its own text, then this. */
void cli_common_help(void);

/* Handles a common option. Returns 1 if opt was one, 0 if not, -1 on a refused option
 * (an error was printed). */
int cli_common_option(int opt, const char *arg, struct settings_flags *f);

/* What cli_next_option returns for a refused common option (the error is printed). */
#define CLI_REFUSED (-2)

/* The getopt_long loop every command shares: common options go into f, and the next
 * command option comes back (-1 at the end, '?' for an unknown one, CLI_REFUSED).
 * Starts over at argv[1] when first is set. */
int cli_next_option(int argc, char **argv, const struct option *longopts,
                    struct settings_flags *f, int first);

/* The action word of a command that has actions ("conversation start"): *action is its
 * index in names (n of them) and argc/argv move past the command so that the action plays
 * argv[0] for getopt. usage is untranslated (N_), printed translated with the shared
 * options after it. Returns 0; 1 after printing usage for --help; -1 after printing
 * "COMMAND: say a, b or c (got ...)". */
int cli_action(const char *command, const char *const *names, size_t n, const char *usage,
               int *argc, char ***argv, int *action);

/* Raises the soft limit on open files towards want (never past the hard limit): a batch
 * with N in flight holds N sockets, and the default soft limit is often 1,024. */
void cli_raise_fd_limit(unsigned long want);

/* Prints "jelou-console: <message>" on stderr, one line. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The error for an unknown option or missing argument, naming the command. */
void cli_bad_option(const char *command, char **argv);

/* Loads settings and reports a failure; returns 0 or -1 (printed). */
int cli_load_settings(struct settings *s, const struct settings_flags *f, int need_secret);

int cmd_send(int argc, char **argv);
int cmd_mime(int argc, char **argv);
int cmd_mock(int argc, char **argv);
int cmd_listen(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_conversation(int argc, char **argv);
int cmd_integration(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
/* doctor's checks on the settings f leads to, printed (json: one array); the exit code. */
int doctor_run(const struct settings_flags *f, int json);
int cmd_setup(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_agent(int argc, char **argv);

#endif
