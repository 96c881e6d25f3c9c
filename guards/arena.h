/*
 * guards/arena.h — a bump allocator for dispatch plans: a plan is built as
 * many small nodes and freed all at once, so its nodes come from chunks of
 * kmalloc memory released together. A mark taken before a speculative build
 * lets the builder give back everything allocated since (guards/tree.c uses
 * it when a tree outgrows its size budget). Freestanding; not thread-safe
 * (plans are built on the one core that installs handlers).
 */
#ifndef SPINDLE_GUARDS_ARENA_H
#define SPINDLE_GUARDS_ARENA_H

#include <stddef.h>

struct garena_chunk;

/** An arena; zero-initialise it before use. */
struct garena {
    struct garena_chunk *head; /* newest chunk first */
};

/** A position in an arena to roll back to. */
struct garena_mark {
    struct garena_chunk *head;
    size_t used;
};

/**
 * garena_alloc - @size zero-filled bytes, 8-byte aligned, valid until
 * garena_free() or a garena_release() to an earlier mark. NULL when kmalloc
 * fails (-KE_NOMEM for the caller).
 */
void *garena_alloc(struct garena *a, size_t size);

/** garena_mark - the current position of @a. */
struct garena_mark garena_mark(const struct garena *a);

/** garena_release - free everything allocated from @a since @m. */
void garena_release(struct garena *a, struct garena_mark m);

/** garena_free - free every chunk of @a; @a is empty (reusable) afterwards. */
void garena_free(struct garena *a);

/** garena_bytes - bytes of chunk memory @a holds (for introspection). */
size_t garena_bytes(const struct garena *a);

#endif
