/*
 * tests/lab/rpc/rpc_engine_udp.c — rpc-engine-udp: spindle's pure RPC engine
 * (apps/rpc/) served over Linux UDP sockets, so that stock rpcinfo and the
 * rpcgen clients of tools/rpc can talk to it in a lab before, and beside,
 * the graph's own UDP glue. A test harness, not part of spindle: the
 * sockets stand in for the udp node, everything RPC is the engine.
 *
 *   rpc-engine-udp --addr A.B.C.D [--pmap-port 111] [--port 40001]
 *                  [--pmap-versions 234|2] [--mode bounded|async] [--time S]
 *
 * The portmapper (versions 2, 3 and 4, or only 2) answers on --pmap-port;
 * rpcecho, lat_rpc and spstats on --port, registered with the portmapper.
 * bounded: each datagram through rpc_server_dispatch; async: decide at
 * once, run the procedures after the socket has no more datagrams (what a
 * strand would do), with the call bytes kept meanwhile. The counters of both
 * servers are kernel/stats.h groups "rpc-PORT" (readable with spstats).
 * Prints "ready" when listening; SIGTERM/SIGINT or --time ends it, printing
 * every counter; exit 1 if memory is still held after the servers are gone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apps/rpc/portmap.h"
#include "apps/rpc/programs.h"
#include "kernel/kerr.h"
#include "kernel/mem.h"
#include "kernel/stats.h"

struct srv {
    int fd;
    uint16_t port;
    struct rpc_server s;
    char node[16];
    struct kstat_group stats;
};

/* A call decided but not yet run (async mode). */
struct pending {
    struct srv *srv;
    struct sockaddr_in to;
    uint8_t *msg;
    struct rpc_work w;
};

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
    stop = 1;
}

static int open_udp(uint32_t addr, uint16_t port)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(addr) };
    if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof sin) != 0) {
        perror("rpc-engine-udp: bind");
        exit(1);
    }
    return fd;
}

static void send_to(int fd, const void *b, size_t n, const struct sockaddr_in *to)
{
    if (sendto(fd, b, n, 0, (const struct sockaddr *)to, sizeof *to) < 0)
        perror("rpc-engine-udp: sendto");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "addr", required_argument, NULL, 'a' }, { "pmap-port", required_argument, NULL, 'P' },
        { "port", required_argument, NULL, 'p' }, { "pmap-versions", required_argument, NULL, 'v' },
        { "mode", required_argument, NULL, 'm' }, { "time", required_argument, NULL, 't' },
        { NULL, 0, NULL, 0 },
    };
    struct in_addr a = { 0 };
    long pmap_port = PMAP_PORT, port = 40001, secs = 60;
    bool only_v2 = false, async = false;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'a': if (!inet_aton(optarg, &a)) c = '?'; break;
        case 'P': pmap_port = strtol(optarg, NULL, 10); break;
        case 'p': port = strtol(optarg, NULL, 10); break;
        case 'v': only_v2 = strcmp(optarg, "2") == 0; break;
        case 'm': async = strcmp(optarg, "async") == 0; break;
        case 't': secs = strtol(optarg, NULL, 10); break;
        default: break;
        }
        if (c == '?') {
            fprintf(stderr, "usage: rpc-engine-udp --addr A.B.C.D [--pmap-port N] [--port N] "
                            "[--pmap-versions 234|2] [--mode bounded|async] [--time S]\n");
            return 2;
        }
    }
    uint32_t addr = ntohl(a.s_addr);
    if (!addr || pmap_port < 1 || pmap_port > 65535 || port < 1 || port > 65535 || secs < 1 || secs > 3600) {
        fprintf(stderr, "rpc-engine-udp: --addr is required; ports 1..65535; --time 1..3600\n");
        return 2;
    }
    uint64_t live0 = kmem_live();
    static struct srv srv[2];
    static struct rpc_pmap pm;
    rpc_pmap_init(&pm, (uint16_t)pmap_port);
    for (int i = 0; i < 2; i++) {
        srv[i].port = (uint16_t)(i == 0 ? pmap_port : port);
        srv[i].fd = open_udp(addr, srv[i].port);
        if (rpc_server_init(&srv[i].s, 64, 1 << 20) != 0)
            return 1;
        snprintf(srv[i].node, sizeof srv[i].node, "rpc-%u", srv[i].port);
        srv[i].stats = (struct kstat_group){
            .node = srv[i].node, .names = rpc_server_ctr_names, .values = srv[i].s.ctr, .n = RPC_SERVER_NCTR };
        kstats_register(&srv[i].stats);
    }
    if (only_v2 ? rpc_server_register(&srv[0].s, &pm.v2) : rpc_pmap_register(&pm, &srv[0].s))
        return 1;
    const struct rpc_program *progs[] = { &rpcecho_program, &latrpc_program, &spstats_program };
    for (size_t i = 0; i < 3; i++)
        if (rpc_server_register(&srv[1].s, progs[i]) || rpc_pmap_set(&pm, progs[i]->prog, progs[i]->vers, srv[1].port))
            return 1;

    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    printf("rpc-engine-udp: ready, portmapper v%s on %ld, programs on %ld, %s\n", only_v2 ? "2" : "2-4",
           pmap_port, port, async ? "async" : "bounded");
    fflush(stdout);

    static struct pending queue[64];
    size_t queued = 0;
    static uint8_t in[65536], out[65536];
    time_t end = time(NULL) + secs;
    while (!stop && time(NULL) < end) {
        struct pollfd pfd[2] = { { srv[0].fd, POLLIN, 0 }, { srv[1].fd, POLLIN, 0 } };
        int n = poll(pfd, 2, queued ? 0 : 200);
        if (n < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2 && n > 0; i++) {
            if (!(pfd[i].revents & POLLIN))
                continue;
            struct sockaddr_in from;
            socklen_t fl = sizeof from;
            ssize_t len = recvfrom(srv[i].fd, in, sizeof in, 0, (struct sockaddr *)&from, &fl);
            if (len < 0)
                continue;
            struct rpc_peer peer = {
                .transport = RPC_XPRT_UDP, .addr = ntohl(from.sin_addr.s_addr), .port = ntohs(from.sin_port),
                .local_addr = addr, .local_port = srv[i].port,
            };
            size_t on = 0;
            if (!async) {
                if (rpc_server_dispatch(&srv[i].s, &peer, in, (size_t)len, out, sizeof out, &on) == RPC_SEND)
                    send_to(srv[i].fd, out, on, &from);
                continue;
            }
            struct pending *q = queued < 64 ? &queue[queued] : NULL;
            uint8_t *copy = q ? malloc((size_t)len + 1) : NULL;
            if (!copy)
                continue; /* queue full: the client retransmits */
            memcpy(copy, in, (size_t)len);
            int v = rpc_server_decide(&srv[i].s, &peer, copy, (size_t)len, &q->w, out, sizeof out, &on);
            if (v == RPC_SEND)
                send_to(srv[i].fd, out, on, &from);
            if (v != RPC_EXECUTE) {
                free(copy);
                continue;
            }
            q->srv = &srv[i];
            q->to = from;
            q->msg = copy;
            queued++;
        }
        if (n == 0) {
            /* the sockets are drained: run what was decided */
            for (size_t k = 0; k < queued; k++) {
                size_t on = 0;
                int v = rpc_server_execute(&queue[k].w, out, sizeof out, &on);
                if (v == -KE_AGAIN)
                    rpc_server_abandon(&queue[k].w);
                else if (v == RPC_SEND)
                    send_to(queue[k].srv->fd, out, on, &queue[k].to);
                free(queue[k].msg);
            }
            queued = 0;
        }
    }
    for (size_t k = 0; k < queued; k++) {
        rpc_server_abandon(&queue[k].w);
        free(queue[k].msg);
    }
    for (int i = 0; i < 2; i++) {
        for (unsigned k = 0; k < RPC_SERVER_NCTR; k++)
            if (srv[i].s.ctr[k])
                printf("%s.%s %llu\n", srv[i].node, rpc_server_ctr_names[k], (unsigned long long)srv[i].s.ctr[k]);
        kstats_unregister(&srv[i].stats);
        rpc_server_fini(&srv[i].s);
        close(srv[i].fd);
    }
    if (kmem_live() != live0) {
        printf("rpc-engine-udp: %llu allocations still held\n", (unsigned long long)(kmem_live() - live0));
        return 1;
    }
    printf("rpc-engine-udp: stopped, no memory held\n");
    return 0;
}
