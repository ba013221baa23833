/* Reads answers from the terminal, with echo off for secrets (termios, no curses). */
#include "prompt.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "jelou/cause.h"
#include "jelou/xalloc.h"
#include "jelou/i18n.h"

/* While echo is off, a signal that ends the process must not leave the terminal silent:
 * the handler puts the saved modes back (tcsetattr is async-signal-safe) and re-raises. */
static struct termios saved_modes;
static const int fatal_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};
#define N_FATAL (sizeof fatal_signals / sizeof fatal_signals[0])
static struct sigaction saved_actions[N_FATAL];

static void
on_fatal_signal(int signo)
{
    int saved_errno = errno;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_modes);
    for (size_t i = 0; i < N_FATAL; i++)
        if (fatal_signals[i] == signo)
            sigaction(signo, &saved_actions[i], NULL);
    raise(signo);
    errno = saved_errno;
}

static void
guard_modes(const struct termios *modes, int on)
{
    if (on) {
        saved_modes = *modes;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fatal_signal;
        sigemptyset(&sa.sa_mask);
        for (size_t i = 0; i < N_FATAL; i++)
            sigaction(fatal_signals[i], &sa, &saved_actions[i]);
    } else {
        for (size_t i = 0; i < N_FATAL; i++)
            sigaction(fatal_signals[i], &saved_actions[i], NULL);
    }
}

int
prompt_line(const char *question, int hidden, char **answer, char **cause)
{
    struct termios old, quiet;
    int restore = 0;
    fputs(question, stdout);
    fflush(stdout);
    if (hidden && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL;
        guard_modes(&old, 1);
        restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        if (!restore)
            guard_modes(&old, 0);
    }
    char *line = NULL;
    size_t cap = 0;
    errno = 0;
    ssize_t n = getline(&line, &cap, stdin);
    int err = errno;
    if (restore) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        guard_modes(&old, 0);
    }
    if (n < 0) {
        free(line);
        return cause_fail(cause, err != 0 ? xasprintf(_("cannot read the answer: %s"),
                                                      strerror(err))
                                          : xstrdup(_("no answer (end of input)")));
    }
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    *answer = line;
    return 0;
}
