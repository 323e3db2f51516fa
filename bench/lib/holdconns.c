/*
 * holdconns: open and hold N established TCP loopback connections (2N sockets), then exit cleanly.
 *
 * Usage: holdconns N [--ports P] [--sources A] [--base-port PORT] [--hold SECONDS] [--ready FILE] [--timeout SECONDS]
 *
 *   N            connections to establish (each is a client socket and an accepted server socket)
 *   --ports P    listening ports 127.0.0.1:PORT .. PORT+P-1 (default 4)
 *   --sources A  client source addresses 127.0.0.1 .. 127.0.0.A (default 16; IP_BIND_ADDRESS_NO_PORT, so
 *                every (source, destination port) pair has the whole ip_local_port_range)
 *   --base-port  first listening port (default 20000; keep it outside ip_local_port_range)
 *   --hold S     hold the connections S seconds after "ready", then exit (default 60; SIGINT/SIGTERM end it early)
 *   --ready FILE also write "ready N" into FILE once every connection is established
 *   --timeout S  give up if the connections are not all established after S seconds (default 300)
 *
 * Prints "ready N" on stdout when all N connections are established, "done" when it exits.
 * Exit status: 0 ok, 1 bad usage, 2 could not establish the connections.
 *
 * The hard RLIMIT_NOFILE here is 20,000 and cannot be raised, so the work is split over forked workers,
 * each holding at most 9,000 connections (18,000 fds). Each worker connects one client and then accepts one
 * connection from the shared listeners, so accept queues never fill. The parent leads a process group and
 * kills the whole group on exit: no worker outlives it.
 *
 * Build: cc -O2 -o holdconns holdconns.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define PER_WORKER 9000
#define MAX_PORTS 64
#define MAX_WORKERS 512

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig) { (void)sig; stop_flag = 1; }

static void usage(void)
{
    fprintf(stderr, "usage: holdconns N [--ports P] [--sources A] [--base-port PORT] [--hold SECONDS] [--ready FILE] [--timeout SECONDS]\n");
    exit(1);
}

static long num(const char *s, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi) {
        fprintf(stderr, "holdconns: '%s': expected a number from %ld to %ld\n", s, lo, hi);
        exit(1);
    }
    return v;
}

/* One worker: establish count connections, numbered first..first+count-1, report on the pipe, hold. */
static int worker(long first, long count, int ports, int sources, int base_port, int *listeners, int report_fd, int timeout)
{
    alarm((unsigned)timeout); /* bounded: SIGALRM kills a worker stuck in connect/accept */
    for (long i = 0; i < count; i++) {
        long g = first + i;
        int c = socket(AF_INET, SOCK_STREAM, 0);
        if (c < 0) { perror("holdconns: socket"); return 2; }
        int one = 1;
        setsockopt(c, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        struct sockaddr_in src = { .sin_family = AF_INET, .sin_port = 0 };
        src.sin_addr.s_addr = htonl(0x7f000001u + (uint32_t)(g % sources));
        if (bind(c, (struct sockaddr *)&src, sizeof src) < 0) { perror("holdconns: bind"); return 2; }
        struct sockaddr_in dst = { .sin_family = AF_INET };
        dst.sin_addr.s_addr = htonl(0x7f000001u);
        int p = (int)((g / sources) % ports);
        dst.sin_port = htons((uint16_t)(base_port + p));
        if (connect(c, (struct sockaddr *)&dst, sizeof dst) < 0) { perror("holdconns: connect"); return 2; }
        /* accept one connection from any listener that has one ready (ours is on listener p) */
        int a = accept(listeners[p], NULL, NULL);
        if (a < 0) { perror("holdconns: accept"); return 2; }
    }
    alarm(0);
    char line[64];
    int n = snprintf(line, sizeof line, "%ld\n", count);
    if (write(report_fd, line, (size_t)n) != n) return 2;
    close(report_fd);
    while (!stop_flag) pause();
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) usage();
    long n = num(argv[1], 1, 10000000);
    int ports = 4, sources = 16, base_port = 20000, hold = 60, timeout = 300;
    const char *ready_file = NULL;
    for (int i = 2; i < argc; i++) {
        if (i + 1 >= argc) usage();
        if (!strcmp(argv[i], "--ports")) ports = (int)num(argv[++i], 1, MAX_PORTS);
        else if (!strcmp(argv[i], "--sources")) sources = (int)num(argv[++i], 1, 250);
        else if (!strcmp(argv[i], "--base-port")) base_port = (int)num(argv[++i], 1, 65535 - MAX_PORTS);
        else if (!strcmp(argv[i], "--hold")) hold = (int)num(argv[++i], 0, 86400);
        else if (!strcmp(argv[i], "--ready")) ready_file = argv[++i];
        else if (!strcmp(argv[i], "--timeout")) timeout = (int)num(argv[++i], 1, 86400);
        else usage();
    }
    long workers = (n + PER_WORKER - 1) / PER_WORKER;
    if (workers > MAX_WORKERS) { fprintf(stderr, "holdconns: at most %d connections\n", MAX_WORKERS * PER_WORKER); return 1; }

    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) { rl.rlim_cur = rl.rlim_max; setrlimit(RLIMIT_NOFILE, &rl); }
    if (rl.rlim_cur < 2 * PER_WORKER + 100) {
        fprintf(stderr, "holdconns: RLIMIT_NOFILE %ld is below the %d fds a worker needs\n", (long)rl.rlim_cur, 2 * PER_WORKER + 100);
        return 1;
    }

    setpgid(0, 0); /* lead a process group so one kill(0) ends every worker */
    struct sigaction sa = { .sa_handler = on_signal };
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGALRM, &sa, NULL);

    int listeners[MAX_PORTS];
    for (int p = 0; p < ports; p++) {
        int l = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)(base_port + p)) };
        a.sin_addr.s_addr = htonl(0x7f000001u);
        if (bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 4096) < 0) {
            fprintf(stderr, "holdconns: listen 127.0.0.1:%d: %s\n", base_port + p, strerror(errno));
            return 2;
        }
        listeners[p] = l;
    }

    int pfd[2];
    if (pipe(pfd) < 0) { perror("holdconns: pipe"); return 2; }
    pid_t pids[MAX_WORKERS];
    for (long w = 0; w < workers; w++) {
        long first = w * PER_WORKER;
        long count = n - first < PER_WORKER ? n - first : PER_WORKER;
        pid_t pid = fork();
        if (pid < 0) { perror("holdconns: fork"); kill(0, SIGTERM); return 2; }
        if (pid == 0) {
            signal(SIGALRM, SIG_DFL);
            close(pfd[0]);
            _exit(worker(first, count, ports, sources, base_port, listeners, pfd[1], timeout));
        }
        pids[w] = pid;
    }
    close(pfd[1]);

    /* Wait for every worker's report (or the first to fail: its end of the pipe closes without a line). */
    long established = 0;
    FILE *in = fdopen(pfd[0], "r");
    char line[64];
    alarm((unsigned)timeout);
    long reports = 0;
    while (reports < workers && !stop_flag && fgets(line, sizeof line, in)) { established += atol(line); reports++; }
    alarm(0);
    int rc = 0;
    if (established != n) {
        fprintf(stderr, "holdconns: only %ld of %ld connections established\n", established, n);
        rc = 2;
    } else {
        printf("ready %ld\n", established);
        fflush(stdout);
        if (ready_file) {
            FILE *f = fopen(ready_file, "w");
            if (f) { fprintf(f, "ready %ld\n", established); fclose(f); }
        }
        struct timespec end;
        clock_gettime(CLOCK_MONOTONIC, &end);
        end.tv_sec += hold;
        while (!stop_flag) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec)) break;
            sleep(1);
        }
    }
    /* End the whole group (the parent ignores its own SIGTERM now) and reap every worker. */
    signal(SIGTERM, SIG_IGN);
    kill(0, SIGTERM);
    for (long w = 0; w < workers; w++) waitpid(pids[w], NULL, 0);
    printf("done\n");
    return rc;
}
