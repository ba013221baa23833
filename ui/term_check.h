/* Whether this process can draw the console: checked before anything starts. */
#ifndef JELOU_UI_TERM_CHECK_H
#define JELOU_UI_TERM_CHECK_H

/* A UTF-8 locale (sets LC_CTYPE from the environment), a TERM whose terminfo entry can
 * address the cursor, and a tty on stdin and stdout. 0, or -1 with a one-line *cause naming
 * the fix. */
int term_check(char **cause);

#endif
