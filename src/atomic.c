/* Writes a file whole or not at all, so a crash or a full disk never leaves half a config. */
#include "jelou/atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jelou/cause.h"
#include "jelou/xalloc.h"
#include "jelou/i18n.h"

struct atomic_file {
    char *path;
    char *tmp;
    int fd;
    int overwrite;
};

static char *
dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return xstrdup(".");
    if (slash == path)
        return xstrdup("/");
    return xstrndup(path, (size_t)(slash - path));
}

/* mkdir -p with 0700: a config directory holds secrets. */
static int
make_dirs(const char *dir, char **cause)
{
    struct stat st;
    if (stat(dir, &st) == 0)
        return S_ISDIR(st.st_mode) ? 0 : cause_fail(cause, xasprintf(_("%s is not a directory"),
                                                                     dir));
    char *parent = dir_of(dir);
    int rc = strcmp(parent, dir) != 0 ? make_dirs(parent, cause) : 0;
    free(parent);
    if (rc != 0)
        return -1;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return cause_fail(cause, xasprintf(_("cannot make directory %s: %s"), dir,
                                           strerror(errno)));
    return 0;
}

static int
refuse_existing(const char *path, char **cause)
{
    struct stat st;
    if (lstat(path, &st) == 0)
        return cause_fail(cause, xasprintf(_("%s already exists"), path));
    return 0;
}

struct atomic_file *
atomic_file_new(const char *path, mode_t mode, int overwrite, char **cause)
{
    if (!overwrite && refuse_existing(path, cause) != 0)
        return NULL;
    char *dir = dir_of(path);
    int rc = make_dirs(dir, cause);
    free(dir);
    if (rc != 0)
        return NULL;
    struct atomic_file *af = xcalloc(1, sizeof *af);
    af->path = xstrdup(path);
    af->tmp = xasprintf("%s.tmp.XXXXXX", path);
    af->overwrite = overwrite;
    af->fd = mkostemp(af->tmp, O_CLOEXEC);
    /* mkostemp makes 0600; fchmod sets the mode asked for whatever the umask. */
    if (af->fd < 0 || fchmod(af->fd, mode) != 0) {
        cause_fail(cause, xasprintf(_("cannot create a file beside %s: %s"), path,
                                    strerror(errno)));
        atomic_file_free(af);
        return NULL;
    }
    return af;
}

static int
write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int
atomic_file_commit(struct atomic_file *af, const void *data, size_t len, char **cause)
{
    int rc = -1;
    if (write_all(af->fd, data, len) != 0 || fsync(af->fd) != 0) {
        cause_fail(cause, xasprintf(_("cannot write %s: %s"), af->path, strerror(errno)));
        goto out;
    }
    /* link() does not replace: a file that appeared meanwhile is kept, not clobbered. */
    int placed = af->overwrite ? rename(af->tmp, af->path) : link(af->tmp, af->path);
    if (placed != 0) {
        cause_fail(cause, errno == EEXIST ? xasprintf(_("%s already exists"), af->path)
                                          : xasprintf(_("cannot write %s: %s"), af->path,
                                                      strerror(errno)));
        goto out;
    }
    if (!af->overwrite)
        unlink(af->tmp);
    free(af->tmp);
    af->tmp = NULL;
    char *dir = dir_of(af->path);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    free(dir);
    rc = 0;
out:
    atomic_file_free(af);
    return rc;
}

void
atomic_file_free(struct atomic_file *af)
{
    if (af == NULL)
        return;
    if (af->fd >= 0)
        close(af->fd);
    if (af->tmp != NULL)
        unlink(af->tmp);
    free(af->tmp);
    free(af->path);
    free(af);
}

int
atomic_write(const char *path, mode_t mode, int overwrite, const void *data, size_t len,
             char **cause)
{
    struct atomic_file *af = atomic_file_new(path, mode, overwrite, cause);
    return af != NULL ? atomic_file_commit(af, data, len, cause) : -1;
}

char *
atomic_read(const char *path, char **cause)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        int err = errno;
        *cause = xasprintf(_("cannot read %s: %s"), path, strerror(err));
        errno = err;
        return NULL;
    }
    struct buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    int failed = ferror(f), err = errno;
    fclose(f);
    if (failed) {
        free(b.data);
        *cause = xasprintf(_("cannot read %s: %s"), path, strerror(err));
        errno = err;
        return NULL;
    }
    return b.data != NULL ? buf_take(&b) : xstrdup("");
}
