/*
 * drivers/dpdk/dpdk_afpacket.c — receive-ring drops of net_af_packet
 * devices (dpdk_afpacket.h).
 *
 * Sources: packet(7) (PACKET_STATISTICS, struct tpacket_stats: tp_drops;
 * reading resets the counters), getsockname(2), proc(5) (/proc/self/fd).
 */
#include "drivers/dpdk/dpdk_afpacket.h"

#include <dirent.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define FDSET_MAX ((int)(sizeof(((struct dpdk_fdset *)NULL)->bits) * 8))

/* Call @cb for every socket descriptor below FDSET_MAX open now. */
static void each_socket(void (*cb)(int fd, void *ctx), void *ctx)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        char *end;
        long fd = strtol(e->d_name, &end, 10);
        struct stat st;

        if (*end != '\0' || end == e->d_name || fd < 0 || fd >= FDSET_MAX || fd == dirfd(d))
            continue;
        if (fstat((int)fd, &st) == 0 && S_ISSOCK(st.st_mode))
            cb((int)fd, ctx);
    }
    closedir(d);
}

static void mark(int fd, void *ctx)
{
    struct dpdk_fdset *s = ctx;

    s->bits[fd / 64] |= 1ull << (fd % 64);
}

void dpdk_fdset_snapshot(struct dpdk_fdset *s)
{
    memset(s, 0, sizeof(*s));
    each_socket(mark, s);
}

struct find_ctx {
    struct dpdk_afpacket *af;
    const struct dpdk_fdset *before;
    int ifindex;
};

static void match(int fd, void *ctx)
{
    struct find_ctx *f = ctx;
    struct sockaddr_ll sll;
    socklen_t len = sizeof(sll);

    if (f->before->bits[fd / 64] & (1ull << (fd % 64)))
        return;
    memset(&sll, 0, sizeof(sll));
    if (getsockname(fd, (struct sockaddr *)&sll, &len) != 0 || sll.sll_family != AF_PACKET ||
        sll.sll_ifindex != f->ifindex || f->af->n == DPDK_AFPACKET_MAX_FDS)
        return;
    f->af->fd[f->af->n++] = fd;
}

unsigned dpdk_afpacket_find(struct dpdk_afpacket *af, const struct dpdk_fdset *before,
                            const char *ifname)
{
    struct find_ctx f = { .af = af, .before = before, .ifindex = (int)if_nametoindex(ifname) };

    af->n = 0;
    if (f.ifindex > 0)
        each_socket(match, &f);
    return af->n;
}

uint64_t dpdk_afpacket_drops(const struct dpdk_afpacket *af)
{
    uint64_t drops = 0;

    for (unsigned i = 0; i < af->n; i++) {
        struct tpacket_stats st;
        socklen_t len = sizeof(st);

        if (getsockopt(af->fd[i], SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
            drops += st.tp_drops;
    }
    return drops;
}

bool dpdk_afpacket_iface(const char *devargs, char *buf, unsigned len)
{
    const char *v = strstr(devargs, ",iface=");
    size_t n;

    if (v == NULL || len == 0)
        return false;
    v += 7;
    n = strcspn(v, ",");
    if (n == 0 || n >= len)
        return false;
    memcpy(buf, v, n);
    buf[n] = '\0';
    return true;
}
