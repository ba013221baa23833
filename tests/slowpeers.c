/* slowpeers: idle, half-sent and dribbling HTTP clients, for the listener's hostile tests. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "Usage: slowpeers hold FROM_ADDR[,FROM_ADDR...] PORT COUNT READY_FILE\n"
    "       slowpeers dribble PORT\n"
    "       slowpeers burst PORT READY_FILE GO_FILE REQUEST_FILE...\n"
    "hold: opens COUNT connections from the FROM_ADDRs in turn (loopback addresses) to\n"
    "  127.0.0.1:PORT;"
    " every second one sends half a request head and nothing more. Writes how\n"
    "  many connected to READY_FILE, then holds them all until killed.\n"
    "dribble: sends a request head one byte every 200 ms. Exits 0 (printing the seconds it\n"
    "  took) when the server closes the connection, 1 when the whole head got through.\n"
    "burst: opens a connection per REQUEST_FILE (each a whole raw HTTP request), writes\n"
    "  READY_FILE, waits until GO_FILE exists, writes every request at once (then says\n"
    "  \"slowpeers: sent N\" on stderr), then prints\n"
    "  \"REQUEST_FILE STATUS\" per answer (STATUS 0: none). Exits 0 when all were answered.\n";

static const char half_head[] = "POST /jelou/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Jel";
static const char full_head[] =
    "POST /jelou/webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    "X-Jelou-Signature: sha256=0000000000000000000000000000000000000000000000000000000000\r\n"
    "Content-Length: 2\r\n\r\n";

static int
connect_from(const char *from_addr, const char *port)
{
    struct sockaddr_in from = {.sin_family = AF_INET};
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
    if (inet_pton(AF_INET, from_addr, &from.sin_addr) != 1 ||
        inet_pton(AF_INET, "127.0.0.1", &to.sin_addr) != 1) {
        fprintf(stderr, "slowpeers: bad address %s\n", from_addr);
        exit(2);
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        fprintf(stderr, "slowpeers: socket: %s\n", strerror(errno));
        return -1;
    }
    if (bind(fd, (struct sockaddr *)&from, sizeof from) != 0 ||
        connect(fd, (struct sockaddr *)&to, sizeof to) != 0) {
        fprintf(stderr, "slowpeers: connect: %s\n", strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static int
hold(char *from_list, const char *port, int count, const char *ready_file)
{
    char *from[16];
    int nfrom = 0;
    for (char *a = strtok(from_list, ","); a != NULL && nfrom < 16; a = strtok(NULL, ","))
        from[nfrom++] = a;
    if (nfrom == 0)
        return 2;
    /* Room for every socket we are asked to hold. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)count + 16) {
        rl.rlim_cur = rl.rlim_max < (rlim_t)count + 16 ? rl.rlim_max : (rlim_t)count + 16;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    int connected = 0;
    for (int i = 0; i < count; i++) {
        int fd = connect_from(from[i % nfrom], port);
        if (fd < 0)
            continue;
        connected++;
        if ((i / nfrom) % 2 == 1 && write(fd, half_head, sizeof half_head - 1) < 0) {
            /* The server may have refused this one already: it was tried all the same. */
        }
    }
    FILE *f = fopen(ready_file, "w");
    if (f == NULL) {
        fprintf(stderr, "slowpeers: %s: %s\n", ready_file, strerror(errno));
        return 1;
    }
    fprintf(f, "%d\n", connected);
    fclose(f);
    for (;;)
        pause();
}

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
dribble(const char *port)
{
    int fd = connect_from("127.0.0.1", port);
    if (fd < 0)
        return 2;
    double start = now_s();
    for (size_t i = 0; i < sizeof full_head - 1; i++) {
        /* The pace of the attack, and the wait for the server's close in one. */
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 200) > 0) {
            char b[256];
            if (read(fd, b, sizeof b) <= 0) {
                printf("%.1f\n", now_s() - start);
                return 0;
            }
        }
        if (write(fd, &full_head[i], 1) != 1) {
            printf("%.1f\n", now_s() - start);
            return 0;
        }
    }
    return 1;
}

/* The whole file, or NULL. */
static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *b = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (*len == cap) {
            cap = cap ? cap * 2 : 4096;
            b = realloc(b, cap);
            if (b == NULL)
                exit(2);
        }
        size_t n = fread(b + *len, 1, cap - *len, f);
        if (n == 0)
            break;
        *len += n;
    }
    fclose(f);
    return b;
}

/* Many requests at once, so that the server reads them in one loop turn. */
static int
burst(const char *port, const char *ready_file, const char *go_file, int n, char **files)
{
    int *fds = calloc((size_t)n, sizeof *fds);
    if (fds == NULL)
        return 2;
    for (int i = 0; i < n; i++) {
        if ((fds[i] = connect_from("127.0.0.1", port)) < 0)
            return 2;
    }
    FILE *f = fopen(ready_file, "w");
    if (f == NULL)
        return 2;
    fclose(f);
    while (access(go_file, F_OK) != 0)
        poll(NULL, 0, 10);
    for (int i = 0; i < n; i++) {
        size_t len;
        char *req = slurp(files[i], &len);
        if (req == NULL || write(fds[i], req, len) != (ssize_t)len) {
            fprintf(stderr, "slowpeers: cannot send %s\n", files[i]);
            return 2;
        }
        free(req);
    }
    fprintf(stderr, "slowpeers: sent %d\n", n);
    int all = 1;
    for (int i = 0; i < n; i++) {
        char b[4096];
        size_t got = 0;
        ssize_t r;
        /* The status line is all we need: it comes in the answer's first bytes. */
        while (got < 12 && (r = read(fds[i], b + got, sizeof b - 1 - got)) > 0)
            got += (size_t)r;
        b[got] = '\0';
        int status = got >= 12 && strncmp(b, "HTTP/1.", 7) == 0 ? atoi(b + 9) : 0;
        all &= status != 0;
        printf("%s %d\n", files[i], status);
        close(fds[i]);
    }
    free(fds);
    return all ? 0 : 1;
}

int
main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc == 6 && strcmp(argv[1], "hold") == 0)
        return hold(argv[2], argv[3], atoi(argv[4]), argv[5]);
    if (argc == 3 && strcmp(argv[1], "dribble") == 0)
        return dribble(argv[2]);
    if (argc >= 6 && strcmp(argv[1], "burst") == 0)
        return burst(argv[2], argv[3], argv[4], argc - 5, argv + 5);
    fputs(usage, stderr);
    return 2;
}
