/* MIME type detection of local bytes and files with libmagic. */
#ifndef JELOU_MIME_H
#define JELOU_MIME_H

#include <stddef.h>

/* How many leading bytes detection needs; URL probes fetch at most this much. */
#define MIME_PROBE_BYTES 65536

/* libmagic's MIME type of buf (e.g. "image/jpeg"), newly allocated in *mime.
 * Returns 0 or -1 with *cause. */
int mime_detect_buffer(const void *buf, size_t len, char **mime, char **cause);

/* The same for a local file (at most MIME_PROBE_BYTES are read). */
int mime_detect_file(const char *path, char **mime, char **cause);

/* 1 if mime is an HTML (or XHTML) page. */
int mime_is_web_page(const char *mime);

/* Releases libmagic's database (optional, for leak checkers). */
void mime_cleanup(void);

#endif
