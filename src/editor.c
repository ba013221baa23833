/* $EDITOR on a draft as a child process, waited for without blocking the loop. */
#include "jelou/editor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jelou/xalloc.h"
#include "jelou/i18n.h"

struct editor {
    pid_t pid;              /* -1 once reaped */
    char *path;
    char *name;             /* the command, for messages */
    struct sigaction old_int, old_quit;
};

static const char *
editor_command(void)
{
    const char *e = getenv("VISUAL");
    if (e == NULL || e[0] == '\0')
        e = getenv("EDITOR");
    return e != NULL && e[0] != '\0' ? e : "vi";
}

static int
write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The terminal's signals are the editor's while it runs, as with system(). */
static void
signals_to_child(struct editor *e)
{
    struct sigaction ign;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGINT, &ign, &e->old_int);
    sigaction(SIGQUIT, &ign, &e->old_quit);
}

static void
signals_back(struct editor *e)
{
    sigaction(SIGINT, &e->old_int, NULL);
    sigaction(SIGQUIT, &e->old_quit, NULL);
}

struct editor *
editor_start(const char *text, char **cause)
{
    const char *tmp = getenv("TMPDIR");
    char *path = xasprintf("%s/jelou-draft-XXXXXX", tmp && tmp[0] == '/' ? tmp : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        *cause = xasprintf(_("cannot create a file for the editor: %s"), strerror(errno));
        free(path);
        return NULL;
    }
    int wrote = write_all(fd, text, strlen(text));
    if (close(fd) != 0 || wrote != 0) {
        *cause = xasprintf(_("cannot write the draft for the editor: %s"), strerror(errno));
        unlink(path);
        free(path);
        return NULL;
    }
    struct editor *e = xcalloc(1, sizeof *e);
    e->path = path;
    e->name = xstrdup(editor_command());
    /* The shell splits "code --wait" like system() did; the path goes in as $1, unquoted
     * by nobody. */
    char *cmd = xasprintf("%s \"$1\"", e->name);
    signals_to_child(e);
    e->pid = fork();
    if (e->pid == 0) {
        /* Back to what the editor expects; exec resets caught signals, not ignored ones. */
        signal(SIGINT, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execl("/bin/sh", "sh", "-c", cmd, "sh", path, (char *)NULL);
        _exit(127);
    }
    free(cmd);
    if (e->pid < 0) {
        *cause = xasprintf(_("cannot start the editor: %s"), strerror(errno));
        signals_back(e);
        e->pid = -1;
        editor_free(e);
        return NULL;
    }
    return e;
}

static char *
read_back(const char *path, char **cause)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        *cause = xasprintf(_("cannot read the edited draft: %s"), strerror(errno));
        return NULL;
    }
    struct buf out = {0};
    char chunk[4096];
    size_t n;
    buf_append(&out, "", 0);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&out, chunk, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        buf_free(&out);
        *cause = xstrdup(_("cannot read the edited draft"));
        return NULL;
    }
    /* Editors add a final newline the agent did not type. */
    while (out.len > 0 && out.data[out.len - 1] == '\n')
        out.data[--out.len] = '\0';
    return buf_take(&out);
}

int
editor_poll(struct editor *e, char **text, char **cause)
{
    int status;
    if (e->pid < 0) {
        *cause = xstrdup(_("the editor has already ended"));
        return -1;
    }
    pid_t r = waitpid(e->pid, &status, WNOHANG);
    if (r == 0 || (r < 0 && errno == EINTR))
        return 0;
    e->pid = -1;
    signals_back(e);
    if (r < 0) {
        *cause = xasprintf(_("lost the editor (%s): %s"), e->name, strerror(errno));
        return -1;
    }
    if (WIFSIGNALED(status)) {
        *cause = xasprintf(_("the editor (%s) was killed by signal %d"), e->name,
                           WTERMSIG(status));
        return -1;
    }
    if (WEXITSTATUS(status) != 0) {
        *cause = WEXITSTATUS(status) == 127
                     ? xasprintf(_("cannot run the editor (%s)"), e->name)
                     : xasprintf(_("the editor (%s) exited with status %d"), e->name,
                                 WEXITSTATUS(status));
        return -1;
    }
    *text = read_back(e->path, cause);
    return *text != NULL ? 1 : -1;
}

void
editor_free(struct editor *e)
{
    if (e == NULL)
        return;
    if (e->pid > 0) {
        kill(e->pid, SIGTERM);
        while (waitpid(e->pid, NULL, 0) < 0 && errno == EINTR) {
        }
        signals_back(e);
    }
    unlink(e->path);
    free(e->path);
    free(e->name);
    free(e);
}
