/* guards/arena.c — bump allocation in kmalloc chunks (guards/arena.h). */
#include "guards/arena.h"
#include "kernel/klib.h"
#include "kernel/mem.h"

/* Chunks grow geometrically from GARENA_FIRST to GARENA_CHUNK bytes, so a
 * small plan holds little memory; a larger request gets a chunk of its own. */
#define GARENA_FIRST 1024u
#define GARENA_CHUNK (64u * 1024u)

struct garena_chunk {
    struct garena_chunk *next;
    size_t size; /* bytes of data[] */
    size_t used; /* bytes handed out */
    size_t hwm;  /* bytes ever handed out: beyond it the memory is still kmalloc's zeros */
    _Alignas(16) unsigned char data[];
};

void *garena_alloc(struct garena *a, size_t size)
{
    size = (size + 7u) & ~(size_t)7u;
    struct garena_chunk *c = a->head;
    if (!c || c->size - c->used < size) {
        size_t want = c ? (c->size < GARENA_CHUNK / 2 ? 2 * c->size : GARENA_CHUNK) : GARENA_FIRST;
        if (want < size)
            want = size;
        c = kmalloc(sizeof *c + want);
        if (!c)
            return NULL;
        c->size = want;
        c->used = 0;
        c->hwm = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    if (c->used < c->hwm) /* memory given back by garena_release is reused: zero it again */
        memset(p, 0, (c->hwm < c->used + size ? c->hwm : c->used + size) - c->used);
    c->used += size;
    if (c->used > c->hwm)
        c->hwm = c->used;
    return p;
}

struct garena_mark garena_mark(const struct garena *a)
{
    struct garena_mark m = { a->head, a->head ? a->head->used : 0 };
    return m;
}

void garena_release(struct garena *a, struct garena_mark m)
{
    while (a->head && a->head != m.head) {
        struct garena_chunk *c = a->head;
        a->head = c->next;
        kfree(c);
    }
    if (a->head)
        a->head->used = m.used;
}

void garena_free(struct garena *a)
{
    struct garena_mark none = { NULL, 0 };
    garena_release(a, none);
}

size_t garena_bytes(const struct garena *a)
{
    size_t n = 0;
    for (const struct garena_chunk *c = a->head; c; c = c->next)
        n += c->size;
    return n;
}
