/* Whether this process can draw the console: a UTF-8 locale and a cursor-addressable TERM. */
#define NCURSES_WIDECHAR 1
#include "term_check.h"

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <unistd.h>

#include "jelou/xalloc.h"

/* The variable that decides LC_CTYPE, as the C library reads them, for the message. */
static const char *
ctype_variable(void)
{
    static const char *const vars[] = {"LC_ALL", "LC_CTYPE", "LANG"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v != NULL && v[0] != '\0')
            return vars[i];
    }
    return NULL;
}

int
term_check(char **cause)
{
    /* Names, drafts and keys are UTF-8: in another locale curses garbles every non-ASCII
     * character and drops input after the first one typed. */
    const char *var = ctype_variable();
    int set = setlocale(LC_CTYPE, "") != NULL;
    const char *codeset = nl_langinfo(CODESET);
    if (!set || codeset == NULL || strcmp(codeset, "UTF-8") != 0) {
        const char *fix = var ? var : "LANG";
        if (var == NULL)
            *cause = xasprintf("no locale is set, and the console needs UTF-8: run it with "
                               "%s=C.UTF-8", fix);
        else if (!set)
            *cause = xasprintf("the locale %s=%s is not installed, and the console needs "
                               "UTF-8: run it with %s=C.UTF-8", var, getenv(var), fix);
        else
            *cause = xasprintf("the locale %s=%s is not UTF-8, so names and emoji would be "
                               "garbled: run it with %s=C.UTF-8", var, getenv(var), fix);
        return -1;
    }
    /* A terminal that cannot move the cursor (dumb, unknown) would get a blank screen. */
    const char *term = getenv("TERM");
    if (term == NULL || term[0] == '\0') {
        *cause = xstrdup("TERM is not set, so the screen cannot be drawn: set it to your "
                         "terminal's type, e.g. TERM=xterm-256color");
        return -1;
    }
    int err = 0;
    if (setupterm(term, STDOUT_FILENO, &err) != OK) {
        *cause = err == 0 ? xasprintf("TERM=%s is not a terminal type this system knows: "
                                      "set TERM to your terminal's type, e.g. "
                                      "TERM=xterm-256color", term)
                          : xasprintf("no terminfo database for TERM=%s: install ncurses-base "
                                      "or set TERM to a known type, e.g. TERM=xterm-256color",
                                      term);
        return -1;
    }
    const char *cup = tigetstr("cup");
    int usable = cup != NULL && cup != (char *)-1 && !tigetflag("hc");
    del_curterm(cur_term);
    if (!usable) {
        *cause = xasprintf("TERM=%s cannot move the cursor, so the screen cannot be drawn: "
                           "set TERM to your terminal's type, e.g. TERM=xterm-256color", term);
        return -1;
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        *cause = xstrdup("the console needs a terminal (stdin and stdout are not one)");
        return -1;
    }
    return 0;
}
