/* Reads answers from the terminal, with echo off for secrets (termios, no curses). */
#include "jelou/prompt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "jelou/cause.h"
#include "jelou/xalloc.h"

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
        restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
    char *line = NULL;
    size_t cap = 0;
    errno = 0;
    ssize_t n = getline(&line, &cap, stdin);
    int err = errno;
    if (restore)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    if (n < 0) {
        free(line);
        return cause_fail(cause, err != 0 ? xasprintf("cannot read the answer: %s",
                                                      strerror(err))
                                          : xstrdup("no answer (end of input)"));
    }
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    *answer = line;
    return 0;
}
