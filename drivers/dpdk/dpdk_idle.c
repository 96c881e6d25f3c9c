/*
 * drivers/dpdk/dpdk_idle.c — poll or adaptive idle of a DPDK port (dpdk_idle.h).
 */
#include "drivers/dpdk/dpdk_idle.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_interrupts.h>

#include "drivers/dpdk/dpdk_eal.h"
#include "kernel/kerr.h"

void dpdk_idle_init(struct dpdk_idle *id, enum dpdk_idle_mode mode, uint64_t idle_after_ns,
                    uint64_t sleep_max_ns)
{
    memset(id, 0, sizeof(*id));
    id->mode = mode;
    id->idle_after_ns = idle_after_ns;
    id->sleep_max_ns =
        sleep_max_ns < DPDK_IDLE_FIRST_SLEEP_NS ? DPDK_IDLE_FIRST_SLEEP_NS : sleep_max_ns;
    id->epfd = -1;
    id->tfd = -1;
}

/* Interrupt descriptors of every queue into a new epoll; false (nothing
 * kept) when one queue has none. */
static bool intr_setup(struct dpdk_idle *id)
{
    id->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (id->epfd < 0)
        return false;
    for (uint16_t q = 0; q < id->nb_rxq; q++) {
        if (rte_eth_dev_rx_intr_ctl_q(id->port_id, q, id->epfd, RTE_INTR_EVENT_ADD, NULL) != 0) {
            while (q-- > 0)
                (void)rte_eth_dev_rx_intr_ctl_q(id->port_id, q, id->epfd, RTE_INTR_EVENT_DEL, NULL);
            close(id->epfd);
            id->epfd = -1;
            return false;
        }
    }
    return true;
}

int dpdk_idle_start(struct dpdk_idle *id, struct kport *port, uint16_t port_id, uint16_t nb_rxq,
                    uint64_t now_ns)
{
    id->port_id = port_id;
    id->nb_rxq = nb_rxq;
    id->sleeping = false;
    id->last_rx_ns = now_ns;
    port->no_idle = true;
    port->wait_fd = -1;
    if (id->mode == DPDK_IDLE_POLL)
        return 0;
    id->have_intr = intr_setup(id);
    if (!id->have_intr) {
        id->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        if (id->tfd < 0) {
            dpdk_fmt(port->error, sizeof(port->error), "dpdk: %s: idle=adaptive: timerfd: %s",
                     port->name, strerror(errno));
            return -KE_IO;
        }
    }
    return 0;
}

static void intr_enable(struct dpdk_idle *id, bool on)
{
    for (uint16_t q = 0; q < id->nb_rxq; q++) {
        if (on)
            (void)rte_eth_dev_rx_intr_enable(id->port_id, q);
        else
            (void)rte_eth_dev_rx_intr_disable(id->port_id, q);
    }
}

static void timer_arm(struct dpdk_idle *id, uint64_t ns)
{
    struct itimerspec its;

    memset(&its, 0, sizeof(its));
    its.it_value.tv_sec = (time_t)(ns / 1000000000u);
    its.it_value.tv_nsec = (long)(ns % 1000000000u);
    (void)timerfd_settime(id->tfd, 0, &its, NULL);
}

/* A frame came: spin again. */
static void wake(struct dpdk_idle *id, struct kport *port)
{
    id->sleeping = false;
    id->wakeups++;
    port->no_idle = true;
    port->wait_fd = -1;
    if (id->have_intr)
        intr_enable(id, false);
    else
        timer_arm(id, 0); /* disarm */
}

/* Nothing for idle_after: let the loop sleep. True: poll once more now. */
static bool fall_asleep(struct dpdk_idle *id, struct kport *port)
{
    id->sleeping = true;
    id->sleeps++;
    port->no_idle = false;
    if (id->have_intr) {
        intr_enable(id, true);
        port->wait_fd = id->epfd;
        return true;
    }
    id->sleep_ns = DPDK_IDLE_FIRST_SLEEP_NS;
    timer_arm(id, id->sleep_ns);
    port->wait_fd = id->tfd;
    return false;
}

/* Asleep and still nothing: acknowledge what woke the loop, sleep on. */
static bool sleep_on(struct dpdk_idle *id)
{
    if (id->have_intr) {
        struct rte_epoll_event ev[8];
        int n = rte_epoll_wait(id->epfd, ev, 8, 0); /* runs DPDK's acknowledgement */

        if (n > 0) {
            intr_enable(id, true); /* some PMDs disarm after each interrupt */
            return true;
        }
        return false;
    }
    uint64_t expirations;

    if (read(id->tfd, &expirations, sizeof(expirations)) == (ssize_t)sizeof(expirations)) {
        id->sleep_ns *= 2;
        if (id->sleep_ns > id->sleep_max_ns)
            id->sleep_ns = id->sleep_max_ns;
        timer_arm(id, id->sleep_ns);
    }
    return false;
}

bool dpdk_idle_after_rx(struct dpdk_idle *id, struct kport *port, unsigned n, uint64_t now_ns)
{
    if (id->mode == DPDK_IDLE_POLL)
        return false;
    if (n > 0) {
        id->last_rx_ns = now_ns;
        if (id->sleeping)
            wake(id, port);
        return false;
    }
    if (id->sleeping)
        return sleep_on(id);
    if (now_ns - id->last_rx_ns >= id->idle_after_ns)
        return fall_asleep(id, port);
    return false;
}

void dpdk_idle_stop(struct dpdk_idle *id, struct kport *port)
{
    if (id->epfd >= 0) {
        intr_enable(id, false);
        for (uint16_t q = 0; q < id->nb_rxq; q++)
            (void)rte_eth_dev_rx_intr_ctl_q(id->port_id, q, id->epfd, RTE_INTR_EVENT_DEL, NULL);
        close(id->epfd);
        id->epfd = -1;
    }
    if (id->tfd >= 0) {
        close(id->tfd);
        id->tfd = -1;
    }
    id->have_intr = false;
    id->sleeping = false;
    port->no_idle = false;
    port->wait_fd = -1;
}
