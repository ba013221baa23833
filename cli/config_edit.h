/* Changes key = value lines of an INI config text, keeping comments and other lines. */
#ifndef JELOU_CONFIG_EDIT_H
#define JELOU_CONFIG_EDIT_H

#include <stddef.h>

/* For each keys[i], values[i] replaces the value of its first "key = value" line, or is
 * appended as a new line when the key is missing; a line already holding that value is
 * left alone. config_path resolves relative paths for the *_file and cacert keys, so that
 * "signing-secret" and "/etc/jelou/signing-secret" can be the same. Returns the new text
 * (newly allocated) and sets *changed to the number of keys that changed. */
char *config_edit(const char *text, const char *config_path, const char *const *keys,
                  const char *const *values, size_t n, size_t *changed);

#endif
