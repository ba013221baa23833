/* Questions on the terminal for setup: a line, or a secret read with echo off. */
#ifndef JELOU_PROMPT_H
#define JELOU_PROMPT_H

/* Prints question on stdout and reads one line from stdin (the trailing newline removed).
 * With hidden set and stdin a terminal, what is typed is not echoed (termios), and echo is
 * back before it returns. Returns 0 with a new *answer, or -1 with *cause (end of input). */
int prompt_line(const char *question, int hidden, char **answer, char **cause);

#endif
