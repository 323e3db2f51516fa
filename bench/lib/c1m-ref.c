/*
 * c1m-ref: the minimal C epoll client and server that bench/c1m.sh runs next to `sockdoc load c1m`.
 * Same topology as SockDoc's harness, so the establishment rate compares like with like:
 *   - server workers: SO_REUSEPORT listeners on PORTS consecutive ports of 127.0.0.1, accept4 + epoll (EPOLLIN);
 *   - client workers: one source address each (127.2.x.y), IP_BIND_ADDRESS_NO_PORT, non-blocking connect
 *     round robin over the ports with at most 512 connects in flight, SO_ERROR on EPOLLOUT;
 *   - every worker is forked, gets PR_SET_PDEATHSIG(SIGKILL) and alarm(duration); the clock starts when every
 *     worker said "ready" and ends when every client reported "done".
 * Teardown: clients close with SO_LINGER {1,0} (RST, no TIME_WAIT), then servers exit.
 *
 * Usage: c1m-ref CONNECTIONS PER_WORKER PORTS BASE_PORT HOLD_SECONDS DURATION_SECONDS
 * Prints one line: c1m-ref connections=N established=E failed=F seconds=T rate=R rss_client=B rss_server=B
 *                  pss_client=B pss_server=B (PSS: shared pages divided among the workers, as for sockdoc's)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif
#define INFLIGHT 512
#define MAXW 1024

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

static void worker_setup(int duration) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    struct rlimit r; getrlimit(RLIMIT_NOFILE, &r); r.rlim_cur = r.rlim_max; setrlimit(RLIMIT_NOFILE, &r);
    alarm(duration);
}

static void say(int fd, const char *s) { ssize_t w = write(fd, s, strlen(s)); (void)w; }

static void server(int ports, int base, int up, int ctl, int duration) {
    worker_setup(duration);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN };
    for (int i = 0; i < ports; i++) {
        int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
        setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        setsockopt(l, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(base + i), .sin_addr.s_addr = htonl(0x7F000001) };
        if (bind(l, (void *)&a, sizeof a) || listen(l, 4096)) { perror("server bind/listen"); _exit(3); }
        ev.data.u64 = (1ULL << 32) | (unsigned)l;
        epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
    }
    ev.data.u64 = (2ULL << 32) | (unsigned)ctl;
    epoll_ctl(ep, EPOLL_CTL_ADD, ctl, &ev);
    say(up, "ready\n");
    struct epoll_event evs[1024];
    char buf[4096];
    for (;;) {
        int n = epoll_wait(ep, evs, 1024, -1);
        if (n < 0) { if (errno == EINTR) continue; _exit(3); }
        for (int i = 0; i < n; i++) {
            unsigned kind = evs[i].data.u64 >> 32; int fd = (int)(evs[i].data.u64 & 0xffffffff);
            if (kind == 2) _exit(0);
            if (kind == 1) {
                for (;;) {
                    int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (c < 0) break;
                    struct epoll_event ce = { .events = EPOLLIN | EPOLLRDHUP, .data.u64 = (unsigned)c };
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce);
                }
                continue;
            }
            ssize_t r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            if (r > 0) { ssize_t w = send(fd, buf, r, MSG_DONTWAIT | MSG_NOSIGNAL); (void)w; }
            else if (r == 0 || (errno != EAGAIN && errno != EINTR)) close(fd);
        }
    }
}

static void client(int conns, int ports, int base, unsigned src, int up, int ctl, int duration) {
    worker_setup(duration);
    int *fds = calloc(conns, sizeof(int));
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (2ULL << 32) };
    epoll_ctl(ep, EPOLL_CTL_ADD, ctl, &ev);
    say(up, "ready\n");
    char go; if (read(ctl, &go, 1) != 1) _exit(3);
    int next = 0, inflight = 0; long est = 0, failed = 0; int reported = 0;
    struct epoll_event evs[1024];
    for (;;) {
        while (next < conns && inflight < INFLIGHT) {
            int i = next++;
            int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
            if (fd < 0) { failed++; fds[i] = -1; continue; }
            setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
            struct sockaddr_in s = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(src) };
            struct sockaddr_in d = { .sin_family = AF_INET, .sin_port = htons(base + i % ports), .sin_addr.s_addr = htonl(0x7F000001) };
            fds[i] = fd;
            if (bind(fd, (void *)&s, sizeof s) || (connect(fd, (void *)&d, sizeof d) && errno != EINPROGRESS)) {
                failed++; close(fd); fds[i] = -1; continue;
            }
            struct epoll_event ce = { .events = EPOLLOUT, .data.u64 = (1ULL << 32) | (unsigned)i };
            epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ce);
            inflight++;
        }
        if (!reported && next == conns && inflight == 0) {
            char line[96]; snprintf(line, sizeof line, "done %ld %ld\n", est, failed); say(up, line); reported = 1;
        }
        int n = epoll_wait(ep, evs, 1024, (next < conns && inflight < INFLIGHT) ? 0 : 100);
        if (n < 0) { if (errno == EINTR) continue; _exit(3); }
        for (int k = 0; k < n; k++) {
            unsigned kind = evs[k].data.u64 >> 32; int i = (int)(evs[k].data.u64 & 0xffffffff);
            if (kind == 2) {
                struct linger lg = { 1, 0 };
                for (int j = 0; j < next; j++) if (fds[j] >= 0) { setsockopt(fds[j], SOL_SOCKET, SO_LINGER, &lg, sizeof lg); close(fds[j]); }
                _exit(0);
            }
            int fd = fds[i];
            if (fd < 0) continue;
            if (kind == 1) {
                int err = 0; socklen_t len = sizeof err;
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
                inflight--;
                if (err) { failed++; close(fd); fds[i] = -1; continue; }
                est++;
                struct epoll_event ce = { .events = EPOLLIN | EPOLLRDHUP, .data.u64 = (unsigned)i };
                epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ce);
            } else {
                char b[64]; ssize_t r = recv(fd, b, sizeof b, MSG_DONTWAIT);
                if (r == 0 || (r < 0 && errno != EAGAIN)) { close(fd); fds[i] = -1; }
            }
        }
    }
}

static long rss_bytes(pid_t p) {
    char path[64]; snprintf(path, sizeof path, "/proc/%d/statm", p);
    FILE *f = fopen(path, "r"); long a = 0, b = 0;
    if (f) { if (fscanf(f, "%ld %ld", &a, &b) != 2) b = 0; fclose(f); }
    return b * sysconf(_SC_PAGESIZE);
}

static long pss_bytes(pid_t p) {
    char path[64], line[256]; snprintf(path, sizeof path, "/proc/%d/smaps_rollup", p);
    FILE *f = fopen(path, "r"); long kb = 0;
    if (f) { while (fgets(line, sizeof line, f)) if (sscanf(line, "Pss: %ld kB", &kb) == 1) break; fclose(f); }
    return kb * 1024;
}

int main(int argc, char **argv) {
    if (argc != 7) { fprintf(stderr, "usage: c1m-ref CONNECTIONS PER_WORKER PORTS BASE_PORT HOLD DURATION\n"); return 3; }
    long conns = atol(argv[1]); int per = atoi(argv[2]), ports = atoi(argv[3]), base = atoi(argv[4]), hold = atoi(argv[5]), dur = atoi(argv[6]);
    int nc = (int)((conns + per - 1) / per), ns = nc;
    if (nc > MAXW) { fprintf(stderr, "too many workers\n"); return 3; }
    static pid_t spid[MAXW], cpid[MAXW]; static int sctl[MAXW], cctl[MAXW], sup[MAXW], cup[MAXW];
    alarm(dur + 30);
    for (int i = 0; i < ns; i++) {
        int up[2], ctl[2]; if (pipe(up) || pipe(ctl)) return 3;
        pid_t p = fork();
        if (p == 0) { close(up[0]); close(ctl[1]); server(ports, base, up[1], ctl[0], dur); }
        close(up[1]); close(ctl[0]); spid[i] = p; sup[i] = up[0]; sctl[i] = ctl[1];
    }
    char buf[128];
    for (int i = 0; i < ns; i++) if (read(sup[i], buf, sizeof buf) <= 0) { fprintf(stderr, "server %d failed\n", i); return 3; }
    long left = conns;
    for (int i = 0; i < nc; i++) {
        int n = left < per ? (int)left : per; left -= n;
        int up[2], ctl[2]; if (pipe(up) || pipe(ctl)) return 3;
        pid_t p = fork();
        if (p == 0) { close(up[0]); close(ctl[1]); client(n, ports, base, 0x7F020001u + i, up[1], ctl[0], dur); }
        close(up[1]); close(ctl[0]); cpid[i] = p; cup[i] = up[0]; cctl[i] = ctl[1];
    }
    for (int i = 0; i < nc; i++) if (read(cup[i], buf, sizeof buf) <= 0) { fprintf(stderr, "client %d failed\n", i); return 3; }
    double t0 = now();
    for (int i = 0; i < nc; i++) { ssize_t w = write(cctl[i], "g", 1); (void)w; }
    long est = 0, failed = 0;
    for (int i = 0; i < nc; i++) {
        ssize_t r = read(cup[i], buf, sizeof buf - 1);
        if (r <= 0) continue;
        buf[r] = 0; long e = 0, f = 0;
        if (sscanf(buf, "done %ld %ld", &e, &f) == 2) { est += e; failed += f; }
    }
    double secs = now() - t0;
    sleep(hold);
    long rc = 0, rs = 0, pc = 0, ps = 0;
    for (int i = 0; i < nc; i++) { rc += rss_bytes(cpid[i]); pc += pss_bytes(cpid[i]); }
    for (int i = 0; i < ns; i++) { rs += rss_bytes(spid[i]); ps += pss_bytes(spid[i]); }
    printf("c1m-ref connections=%ld established=%ld failed=%ld seconds=%.3f rate=%.0f rss_client=%ld rss_server=%ld pss_client=%ld pss_server=%ld workers=%d\n",
           conns, est, failed, secs, est / secs, rc, rs, pc, ps, nc + ns);
    fflush(stdout);
    for (int i = 0; i < nc; i++) { ssize_t w = write(cctl[i], "s", 1); (void)w; }
    for (int i = 0; i < nc; i++) waitpid(cpid[i], NULL, 0);
    for (int i = 0; i < ns; i++) { ssize_t w = write(sctl[i], "s", 1); (void)w; }
    for (int i = 0; i < ns; i++) waitpid(spid[i], NULL, 0);
    return 0;
}
