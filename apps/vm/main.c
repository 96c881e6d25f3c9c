/*
 * apps/vm/main.c — the portable main of the bare-metal VM kernels
 * (kernel/bootcfg.h: vm_main). The target's boot code has set up the
 * machine; this brings the appliance up from the configuration text the VM
 * host handed over and runs the main loop.
 *
 * Command-line words (QEMU -append "..."):
 *   selftest         run arch_selftest() and a core check first; any failure halts with 1
 *   halt-when-ready  shut down cleanly right after bring-up (boot tests)
 *   poll             never idle: poll the devices continuously (lowest latency, one busy vCPU)
 *   debug            log at KLOG_DEBUG
 *   disk-check       read every disk at boot and report it (apps/vm/disks.c)
 * The serial console on COM1 is apps/console (type "help"); "shutdown" stops
 * the appliance cleanly.
 *
 * Exit status (arch_halt): 0 after a clean shutdown with every packet
 * buffer back in its pool; 1 on a configuration error, a failed bring-up,
 * a failed self-test or a buffer leak.
 */
#include "netgraph/apply.h"
#include "netgraph/instances.h"
#include "netgraph/runtime.h"
#include "apps/console/serial.h"
#include "kernel/arch.h"
#include "kernel/bootcfg.h"
#include "kernel/clock.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"
#include "kernel/log.h"
#include "kernel/mem.h"
#include "kernel/pktbuf.h"
#include "kernel/port.h"
#include "kernel/stats.h"
#include "netgraph/config.h"
#include "netgraph/haltpoll.h"
#include "netgraph/netif.h"
#include "apps/vm/disks.h"

static struct config cfg;

/* A small check of the core on this target: kmalloc zero-fills, aligns and counts. */
static int core_selftest(void)
{
    uint64_t live = kmem_live();
    uint8_t *p = kmalloc(1000);
    uint8_t *q = kmalloc_aligned(100, 256);
    bool ok = p && q && ((uintptr_t)q & 255) == 0 && ((uintptr_t)p & 15) == 0;
    for (unsigned i = 0; ok && i < 1000; i++)
        ok = p[i] == 0;
    ok = ok && kmem_live() == live + 2;
    kfree(p);
    kfree(q);
    ok = ok && kmem_live() == live;
    uint64_t t0 = kclock_now_ns(), t1 = kclock_now_ns();
    ok = ok && t1 >= t0 && t0 > 0;
    kprintf("selftest: core kmalloc/kclock %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}

static void print_interfaces(void)
{
    char a[16];
    for (unsigned i = 0; i < netif_count(); i++) {
        const struct netif *ifp = netif_get((uint16_t)i);
        if (!ifp)
            continue;
        kprintf("vm: %s driver %s mac %02x:%02x:%02x:%02x:%02x:%02x mtu %u link %s", ifp->name,
                ifp->port && ifp->port->driver ? ifp->port->driver : "?", ifp->mac[0], ifp->mac[1],
                ifp->mac[2], ifp->mac[3], ifp->mac[4], ifp->mac[5], ifp->mtu,
                ifp->port && ifp->port->link_up ? "up" : "down");
        for (unsigned k = 0; k < ifp->naddrs; k++) {
            uint32_t v = ifp->addr[k];
            ksnprintf(a, sizeof(a), "%u.%u.%u.%u", v >> 24, (v >> 16) & 255, (v >> 8) & 255,
                      v & 255);
            kprintf(" %s/%u", a, ifp->plen[k]);
        }
        kprintf("\n");
    }
}

static void print_stats(void)
{
    for (unsigned i = 0; i < netif_count(); i++) {
        const struct netif *ifp = netif_get((uint16_t)i);
        if (!ifp || !ifp->port)
            continue;
        const struct kport *p = ifp->port;
        kprintf("vm: stats %s rx %llu frames %llu bytes %llu dropped %llu errors; "
                "tx %llu frames %llu bytes %llu dropped %llu errors\n",
                ifp->name, (unsigned long long)p->rx_packets, (unsigned long long)p->rx_bytes,
                (unsigned long long)p->rx_dropped, (unsigned long long)p->rx_errors,
                (unsigned long long)p->tx_packets, (unsigned long long)p->tx_bytes,
                (unsigned long long)p->tx_dropped, (unsigned long long)p->tx_errors);
    }
    uint64_t hp[5];
    if (kstats_find("haltpoll", "idle_periods", &hp[0]) == 0 &&
        kstats_find("haltpoll", "poll_hits", &hp[1]) == 0 &&
        kstats_find("haltpoll", "halts", &hp[2]) == 0 &&
        kstats_find("haltpoll", "limit_ns", &hp[3]) == 0 &&
        kstats_find("haltpoll", "busy_skips", &hp[4]) == 0)
        kprintf("vm: stats haltpoll %llu idle periods, %llu ended while polling, %llu halts, "
                "limit %llu ns, %llu not polled after a burst\n",
                (unsigned long long)hp[0], (unsigned long long)hp[1], (unsigned long long)hp[2],
                (unsigned long long)hp[3], (unsigned long long)hp[4]);
    struct pktpool *pool = pktpool_default();
    kprintf("vm: stats buffers out %u, kmalloc blocks live %llu\n",
            pool ? (unsigned)pktpool_out(pool) : 0u, (unsigned long long)kmem_live());
}

static _Noreturn void shutdown(void)
{
    kprintf("vm: shutting down\n");
    print_stats();
    netgraph_shutdown();
    config_free(&cfg);
    bool full = pktpool_all_full();
    kprintf("vm: shutdown complete, buffer pools %s\n", full ? "full" : "NOT full (leak)");
    arch_halt(full ? 0 : 1);
}

static _Noreturn void config_failure(const struct config_error *err)
{
    char buf[360];
    config_error_format(err, buf, sizeof(buf));
    kprintf("vm: configuration error: %s\n", buf);
    arch_halt(1);
}

_Noreturn void vm_main(void)
{
    if (arch_boot_flag("debug"))
        klog_set_level(KLOG_DEBUG);
    kprintf("spindle VM kernel (%s) booting\n", arch_target_name());

    if (arch_boot_flag("selftest")) {
        int failed = arch_selftest() + core_selftest();
        if (failed) {
            kprintf("selftest: %d check(s) FAILED\n", failed);
            arch_halt(1);
        }
        kprintf("selftest: all checks passed\n");
    }

    size_t len = 0;
    const char *text = arch_boot_config(&len);
    const char *name = arch_boot_config_name();
    if (!text) {
        kprintf("vm: configuration error: %s: no configuration given "
                "(x86_64: -fw_cfg name=opt/spindle/config,file=FILE; alpha: -initrd FILE)\n",
                name);
        arch_halt(1);
    }
    struct config_error err;
    int rc = config_parse(text, len, name, &cfg, &err);
    if (rc < 0)
        config_failure(&err);
    kprintf("vm: configuration %s: %u interface(s), %u address(es), %u route(s), %u extension(s)\n",
            name, cfg.ninterfaces, cfg.naddresses, cfg.nroutes, cfg.nextensions);

    vm_disks_probe();
    rc = netgraph_init(0);
    if (rc < 0) {
        kprintf("vm: netgraph_init: %s\n", kerr_str(rc));
        arch_halt(1);
    }
    rc = netgraph_configure(&cfg, &err);
    if (rc < 0)
        config_failure(&err);
    print_interfaces();
    bool poll = cfg.poll_mode || arch_boot_flag("poll");
    if (!poll && cfg.halt_poll)
        netgraph_set_halt_poll(HALTPOLL_MAX_NS);
    kprintf("vm: ready (%s mode)\n", poll ? "poll" : cfg.halt_poll ? "haltpoll" : "idle");

    if (arch_boot_flag("halt-when-ready"))
        shutdown();
    console_serial_init(CONSOLE_ECHO | CONSOLE_SHOW_PROMPT | CONSOLE_PERMANENT, true);
    /* While polling (mode poll, or a halt-polling window) the console (a port
     * read, which under TCG takes QEMU's global lock) is checked every 256
     * rounds; after work or a halt, every round. */
    for (unsigned round = 0;; round++) {
        netgraph_poll(!poll);
        bool spinning = poll || netgraph_halt_polling();
        if ((!spinning || (round & 255) == 0) && console_serial_poll() == CONSOLE_SHUTDOWN)
            shutdown();
    }
}
