/* jelou-console: wires the command line to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "jelou/cli.h"

static const char usage[] =
    "Usage: jelou-console [--demo] [options]                 the console (--demo: sandbox)\n"
    "       jelou-console send --room R --user U --text T    send one message\n"
    "       jelou-console send --room R --user U --attach URL [--type T] [--caption C]\n"
    "                          [--filename F] [--mime M] [--id ID] [--dry-run] [--json]\n"
    "       jelou-console send --batch FILE|- [--parallel N] one JSON object per line\n"
    "       jelou-console mime URL|PATH [--json]             detected MIME and message type\n"
    "       jelou-console mock --listen ADDR:PORT [...]      sandbox endpoint\n"
    "       jelou-console --version | --help\n"
    "\n"
    "Each command has its own --help. Settings come from flags, then the environment\n"
    "(JELOU_ENDPOINT JELOU_PROJECT_ID JELOU_BOT_ID JELOU_SIGNING_SECRET\n"
    "JELOU_SIGNING_SECRET_FILE), then $XDG_CONFIG_HOME/jelou-console/config.\n"
    "See jelou-console(1).\n";

int
main(int argc, char **argv)
{
    if (argc >= 2) {
        const char *cmd = argv[1];
        if (strcmp(cmd, "send") == 0)
            return cmd_send(argc - 1, argv + 1);
        if (strcmp(cmd, "mime") == 0)
            return cmd_mime(argc - 1, argv + 1);
        if (strcmp(cmd, "mock") == 0)
            return cmd_mock(argc - 1, argv + 1);
        if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
            printf("jelou-console %s\n", PACKAGE_VERSION);
            return EXIT_SENT;
        }
        if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
            fputs(usage, stdout);
            return EXIT_SENT;
        }
        if (strcmp(cmd, "--demo") == 0)
            return cmd_demo(argc - 1, argv + 1);
        cli_error("unknown command or option '%s'; see 'jelou-console --help'", cmd);
        return EXIT_BADINPUT;
    }
    cli_error("the console screen is not built yet: try 'jelou-console --demo', or "
              "'jelou-console send --help'");
    return EXIT_BADINPUT;
}
