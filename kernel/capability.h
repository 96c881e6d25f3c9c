/*
 * kernel/capability.h — capabilities and capability sets (SPIN's protection
 * model, Bershad et al. SOSP 1995 section 3.1).
 *
 * A capability names a domain (kernel/domain.h), the rights its holder has
 * over it, and the part of the domain's resources it covers (its scope):
 *
 *   KCAP_IMPORT  resolve against the domain: call its entry points, install
 *                handlers through its install procedures (Resolve, Combine,
 *                Link);
 *   KCAP_MODIFY  change the domain: add exports (kdomain_export).
 *
 * The scope is an inclusive range [lo, hi] of the domain's own resource
 * numbers, interpreted by the domain (UDP: destination ports, so "udp:7" is
 * [7, 7]); [0, UINT32_MAX] covers everything. Capabilities come from the
 * name service (kernel/nameservice.h) or from attenuating one already held
 * (kcap_restrict: fewer rights, a narrower scope, never more).
 *
 * A capability set is what an extension holds: the capabilities its
 * configuration granted it (apps/extension.h). Lookups in a set fail with
 * -KE_PERM for anything not in it, so a name that was not granted cannot be
 * told apart from one that does not exist.
 */
#ifndef SPINDLE_KERNEL_CAPABILITY_H
#define SPINDLE_KERNEL_CAPABILITY_H

#include <stdint.h>
#include <stdbool.h>

struct kdomain;

/** Rights a capability carries (a bit set). */
enum kcap_rights {
    KCAP_IMPORT = 1u << 0,
    KCAP_MODIFY = 1u << 1,
    KCAP_ALL = KCAP_IMPORT | KCAP_MODIFY
};

/** The scope that covers every resource of a domain. */
#define KCAP_SCOPE_ALL_LO 0u
#define KCAP_SCOPE_ALL_HI UINT32_MAX

/** A capability. Allocated by kcap_create/kcap_restrict; read-only for holders. */
struct kcap {
    struct kdomain *domain;
    uint32_t rights;   /* enum kcap_rights */
    uint32_t scope_lo; /* first resource covered (domain-defined) */
    uint32_t scope_hi; /* last resource covered, inclusive */
    char name[32];     /* the name it was obtained under ("udp") */
};

/**
 * kcap_create - a new capability for @d under @name with @rights and scope
 * [@lo, @hi]. For providers and the name service only. NULL when @lo > @hi,
 * @d or @name is NULL, or no memory.
 */
struct kcap *kcap_create(struct kdomain *d, const char *name, uint32_t rights, uint32_t lo,
                         uint32_t hi);

/**
 * kcap_restrict - attenuate: a new capability for the same domain with
 * @rights and scope [@lo, @hi], which must be within @c's. Returns 0 and
 * *@out, -KE_PERM (more rights or a wider scope than @c), -KE_INVAL
 * (@lo > @hi), -KE_NOMEM.
 */
int kcap_restrict(const struct kcap *c, uint32_t rights, uint32_t lo, uint32_t hi,
                  struct kcap **out);

/** kcap_free - free a capability; NULL ignored. */
void kcap_free(struct kcap *c);

/** kcap_allows - @c carries every right in @rights. */
bool kcap_allows(const struct kcap *c, uint32_t rights);
/** kcap_covers - [@lo, @hi] lies within @c's scope. */
bool kcap_covers(const struct kcap *c, uint32_t lo, uint32_t hi);

/** Capabilities one set holds. */
#define KCAPSET_MAX 16

/** A capability set; it owns its capabilities. */
struct kcapset {
    unsigned n;
    struct kcap *cap[KCAPSET_MAX];
};

/** kcapset_create - an empty set, or NULL (no memory). */
struct kcapset *kcapset_create(void);
/** kcapset_add - add @c, which the set now owns. -KE_TOOBIG when full (@c is not taken). */
int kcapset_add(struct kcapset *s, struct kcap *c);
/** kcapset_destroy - free the set and every capability in it; NULL ignored. */
void kcapset_destroy(struct kcapset *s);

/**
 * kcapset_find - a capability in @s obtained under @name that carries
 * @rights and covers [@lo, @hi] (the first that does). Returns 0 and *@out,
 * or -KE_PERM when there is none (also for a NULL set: nothing granted).
 */
int kcapset_find(const struct kcapset *s, const char *name, uint32_t rights, uint32_t lo,
                 uint32_t hi, const struct kcap **out);

#endif
