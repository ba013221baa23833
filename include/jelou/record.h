/* JSON-lines records: result lines, sandbox log entries and journals (cJSON). */
#ifndef JELOU_RECORD_H
#define JELOU_RECORD_H

#include <stddef.h>

struct buf;

struct record;

struct record *record_new(void);
/* A NULL value is written as JSON null. */
void record_str(struct record *r, const char *key, const char *value);
void record_strn(struct record *r, const char *key, const char *value, size_t n);
void record_int(struct record *r, const char *key, long long value);
void record_num(struct record *r, const char *key, double value);
void record_bool(struct record *r, const char *key, int value);
/* Embeds json (a nested object or any JSON value, e.g. a finished record) as the value of
 * key. NULL is written as null; text that is not JSON is written as a string. */
void record_raw(struct record *r, const char *key, const char *json);
/* Compact JSON without a newline, newly allocated; frees the record. */
char *record_finish(struct record *r);

/* The same compact JSON written straight into a buffer, for the paths that run once per
 * message (journal records, result lines): no tree, no allocation once the buffer has
 * grown. Keys are written in the order given and must not repeat; the bytes are those
 * record_finish would print (cJSON's escapes, bad UTF-8 and NUL as U+FFFD). */
void record_line_begin(struct buf *b);
void record_line_str(struct buf *b, const char *key, const char *value);
void record_line_strn(struct buf *b, const char *key, const char *value, size_t n);
void record_line_int(struct buf *b, const char *key, long long value);
/* Closes the object; no newline. */
void record_line_end(struct buf *b);

/* Appends line + "\n" to path (created 0600), with fsync when sync is set.
 * Returns 0 or -1 with *cause. */
int record_append_file(const char *path, const char *line, int sync, char **cause);
/* Writes all len bytes to fd (retrying short writes and EINTR). 0, or an errno value. */
int record_write_all(int fd, const char *data, size_t len);

/* A flat JSON object read back (journals, history): string, integer, bool and null
 * values; nested values are ignored. */
struct record_view;

/* Parses one line. Returns NULL with *cause ("not a JSON object", "not valid JSON") on
 * garbage, including a torn (cut short) line. */
struct record_view *record_parse(const char *line, size_t len, char **cause);
/* The string value of key, or NULL when absent, null or not a string. */
const char *record_get_str(const struct record_view *v, const char *key);
/* 0 with *out for an integral number (or a bool as 0/1), -1 otherwise. */
int record_get_int(const struct record_view *v, const char *key, long long *out);
/* The string value of obj.key (one level down, e.g. redirectPayload.text), or NULL. */
const char *record_get_sub_str(const struct record_view *v, const char *obj, const char *key);
/* The value of key (an object, an array, anything) as compact JSON, newly allocated, or NULL
 * when absent: to hand a nested object to the parser that knows it. */
char *record_get_json(const struct record_view *v, const char *key);
/* Calls fn with each element of the array key, as compact JSON; stops at fn's first
 * non-zero answer and returns it. -1 when key is absent or not an array. */
int record_each_elem(const struct record_view *v, const char *key,
                     int (*fn)(void *arg, const char *json, size_t len), void *arg);
void record_view_free(struct record_view *v);

/* Reads a JSON-lines file one line at a time, without a copy of the file in memory: fn gets
 * each non-empty line without its line end and returns 0, or -1 for a line it cannot use
 * (torn, garbage), which is counted in *skipped. A missing file has no lines. Returns 0 or
 * -1 with *cause when the file cannot be read. */
int record_each_line(const char *path, int (*fn)(void *arg, const char *line, size_t len),
                     void *arg, size_t *skipped, char **cause);

#endif
