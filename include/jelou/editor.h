/* $EDITOR on a draft as a child process, waited for without blocking the loop. */
#ifndef JELOU_EDITOR_H
#define JELOU_EDITOR_H

struct editor;

/* Writes text to a private temporary file and starts $VISUAL, else $EDITOR, else vi, on it
 * through /bin/sh, on the caller's terminal. The caller must have left the screen to it and
 * stopped reading the terminal. While the child runs, SIGINT and SIGQUIT are ignored here,
 * as system() does: a Ctrl-C in the editor is the editor's. NULL with *cause on failure. */
struct editor *editor_start(const char *text, char **cause);

/* Without waiting: 0 while the editor runs; 1 when it ended well, *text getting the file's
 * contents less the final newlines; -1 when it failed (exit status, signal, unreadable
 * file), with *cause. Call it on SIGCHLD; after a non-zero answer only editor_free is left. */
int editor_poll(struct editor *e, char **text, char **cause);

/* Ends a running editor (SIGTERM, then waits for it), removes the file. NULL is fine. */
void editor_free(struct editor *e);

#endif
