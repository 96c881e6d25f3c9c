/*
 * netgraph/haltpoll.c — adaptive halt polling (netgraph/haltpoll.h), after
 * the rules of Linux's guest halt-polling governor
 * (Documentation/virt/guest-halt-polling.rst).
 */
#include "netgraph/haltpoll.h"

void haltpoll_init(struct haltpoll *hp, uint64_t max_ns)
{
    *hp = (struct haltpoll){ .max_ns = max_ns };
}

bool haltpoll_keep_polling(struct haltpoll *hp, uint64_t now_ns)
{
    if (hp->max_ns == 0)
        return false;
    if (hp->since_ns == 0) {
        hp->since_ns = now_ns ? now_ns : 1; /* 0 means "not idle" */
        hp->halted = false;
        hp->no_poll = hp->busy_frames > HALTPOLL_SPARSE_FRAMES;
        hp->busy_frames = 0;
        if (hp->no_poll)
            hp->ctr[HP_BUSY_SKIPS]++;
    }
    return !hp->no_poll && now_ns - hp->since_ns < hp->ctr[HP_LIMIT_NS];
}

void haltpoll_halting(struct haltpoll *hp)
{
    hp->ctr[HP_HALTS]++;
    hp->halted = true;
}

void haltpoll_work(struct haltpoll *hp, uint64_t now_ns)
{
    if (hp->since_ns == 0)
        return;
    uint64_t idle = now_ns > hp->since_ns ? now_ns - hp->since_ns : 0;
    uint64_t limit = hp->ctr[HP_LIMIT_NS];
    hp->since_ns = 0;
    hp->ctr[HP_IDLE_PERIODS]++;
    if (!hp->halted)
        hp->ctr[HP_POLL_HITS]++;
    if (idle > limit && idle <= hp->max_ns) {
        uint64_t grown = limit * 2;
        if (grown < HALTPOLL_GROW_START_NS)
            grown = HALTPOLL_GROW_START_NS;
        if (grown > hp->max_ns)
            grown = hp->max_ns;
        if (grown != limit)
            hp->ctr[HP_GROWS]++;
        hp->ctr[HP_LIMIT_NS] = grown;
    } else if (idle > hp->max_ns && limit > 0) {
        hp->ctr[HP_SHRINKS]++;
        hp->ctr[HP_LIMIT_NS] = limit / 2;
    }
}
