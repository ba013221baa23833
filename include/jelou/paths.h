/* Where the console keeps its files: the XDG config and state directories, one place. */
#ifndef JELOU_PATHS_H
#define JELOU_PATHS_H

/* $HOME when set and not empty, else NULL (for "~/" in a config file). */
const char *paths_home(void);

/* $XDG_CONFIG_HOME/jelou-console/name, or ~/.config/jelou-console/name when XDG_CONFIG_HOME
 * is unset or relative (the XDG spec says a relative value is to be ignored); newly
 * allocated. Nothing is created. NULL when there is no HOME either. */
char *paths_config_file(const char *name);

/* $XDG_STATE_HOME/jelou-console, or ~/.local/state/jelou-console, newly allocated and
 * created (0700, with any missing parent) when missing. NULL with *cause when neither
 * variable is an absolute path ("cannot place WHAT: ...", what says what the caller
 * wanted to put there) or the directory cannot be made. */
char *paths_state_dir(const char *what, char **cause);

/* paths_state_dir()/name, the same way. */
char *paths_state_file(const char *name, const char *what, char **cause);

#endif
