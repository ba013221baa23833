/* Files read and replaced whole: a temp file in the same directory, fsync, then rename or
 * link. */
#ifndef JELOU_ATOMIC_H
#define JELOU_ATOMIC_H

#include <stddef.h>
#include <sys/types.h>

struct atomic_file;

/* Opens a temp file beside path with exactly mode, so that a later commit can only fail for
 * lack of space. Without overwrite an existing path is refused now (and again at commit).
 * Missing parent directories are made 0700. NULL with *cause. */
struct atomic_file *atomic_file_new(const char *path, mode_t mode, int overwrite,
                                    char **cause);
/* Writes data, fsyncs, puts the file at its path and fsyncs the directory; then frees af.
 * Returns 0, or -1 with *cause (the temp file is removed and path left as it was). */
int atomic_file_commit(struct atomic_file *af, const void *data, size_t len, char **cause);
/* Removes the temp file unless committed; accepts NULL. */
void atomic_file_free(struct atomic_file *af);

/* new + commit in one call. */
int atomic_write(const char *path, mode_t mode, int overwrite, const void *data, size_t len,
                 char **cause);

/* The whole of a small text file, NUL-terminated, newly allocated. NULL with *cause
 * ("cannot read PATH: ...") and errno kept, so that a caller can tell ENOENT apart. */
char *atomic_read(const char *path, char **cause);

#endif
