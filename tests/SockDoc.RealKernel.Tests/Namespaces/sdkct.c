/* Test workload run inside real containers by NamespacesRealKernelTests (static, so the image holds only it).
 *   sdkct hold PORT N SECONDS   listen on 127.0.0.1:PORT, open N connections to it and hold them SECONDS
 *                               (the client side uses N ephemeral ports towards one destination), then exit.
 *   sdkct churn PORT N SECONDS  listen, then N times connect + accept + close the client first (each client
 *                               socket enters TIME_WAIT), then sleep SECONDS and exit.
 * Every loop is bounded by N and SECONDS; connect failures (EADDRNOTAVAIL when the range is exhausted) are counted. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int listener(int port) {
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 4096)) { perror("listen"); exit(1); }
    return s;
}

static int dial(int port) {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c, (struct sockaddr *)&a, sizeof a)) { int e = errno; close(c); errno = e; return -1; }
    return c;
}

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: sdkct hold|churn PORT N SECONDS\n"); return 2; }
    int port = atoi(argv[2]), n = atoi(argv[3]), secs = atoi(argv[4]);
    if (n < 0 || n > 100000 || secs < 0 || secs > 600) { fprintf(stderr, "bounds: N <= 100000, SECONDS <= 600\n"); return 2; }
    int l = listener(port), failed = 0;
    for (int i = 0; i < n; i++) {
        int c = dial(port);
        if (c < 0) { failed++; continue; }
        int a = accept(l, 0, 0);
        if (strcmp(argv[1], "churn") == 0) { close(c); if (a >= 0) close(a); }
    }
    printf("connected %d failed %d\n", n - failed, failed);
    fflush(stdout);
    sleep(secs);
    return 0;
}
