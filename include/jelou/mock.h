/* The sandbox endpoint: verifies requests like Jelou would, logs them, can inject faults. */
#ifndef JELOU_MOCK_H
#define JELOU_MOCK_H

struct loop;
struct mock;

#define MOCK_WEBHOOK_PATH "/v1/external-support/webhook"

struct mock_opts {
    const char *addr;       /* default 127.0.0.1 */
    unsigned port;          /* 0: a free port */
    const char *secret;     /* signing secret to verify with */
    const char *log_path;   /* JSON-lines log, or NULL */
    int fail_first;         /* answer fail_status to the first N well-signed requests */
    double fail_rate;       /* and to this fraction of the rest (0..1) */
    int fail_status;        /* default 500 */
    long delay_ms;          /* delay every answer */
};

struct mock *mock_new(struct loop *l, const struct mock_opts *o, char **cause);
unsigned mock_port(const struct mock *m);
/* Requests answered so far. */
unsigned long mock_requests(const struct mock *m);
void mock_free(struct mock *m);

#endif
