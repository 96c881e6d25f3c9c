/*
 * kernel/domain.h — interfaces and domains (SPIN's protection model,
 * Bershad et al. SOSP 1995 section 3.1).
 *
 * An interface is a named table of entry points (SPIN: a Modula-3
 * INTERFACE). A domain is a named set of interfaces it exports and of
 * interfaces it imports (SPIN: the symbols of a safe object file, defined
 * and undefined). The operations follow SPIN's Domain interface:
 *
 *   Create   kdomain_create / kdomain_init: a domain from its exports and imports;
 *   Resolve  kdomain_resolve: bind the target's imports to what one source
 *            domain exports, given a capability for the source with the
 *            import right;
 *   Combine  kdomain_combine: a new aggregate domain exporting what two
 *            domains export (both capabilities need the import right);
 *   Link     kdomain_link: resolve every import of a domain through a set of
 *            capabilities (an extension's grant); an import that no
 *            capability in the set provides fails with -KE_PERM, whether or
 *            not such an interface exists, so an extension cannot even learn
 *            the names it was not given.
 *
 * Changing a domain's exports (kdomain_export) needs the modify right.
 * Capabilities, rights and capability sets are kernel/capability.h; the name
 * service that hands capabilities out is kernel/nameservice.h.
 *
 * In SPIN the type-safe language makes capabilities unforgeable and the
 * linker the only way to reach another domain. C cannot enforce that: here
 * the rule holds for code that reaches other domains only through the
 * entry points its Link resolved, which is how spindle's extensions are
 * written (apps/extension.h).
 */
#ifndef SPINDLE_KERNEL_DOMAIN_H
#define SPINDLE_KERNEL_DOMAIN_H

#include <stdint.h>
#include <stdbool.h>

struct kcap;
struct kcapset;

/** A generic entry point; the caller converts it back to its real type. */
typedef void (*kentry_fn)(void);

/** One entry point of an interface. */
struct kentry {
    const char *name; /* "send" */
    kentry_fn fn;
};

/** An interface: a named table of entry points. Usually static const. */
struct kiface {
    const char *name; /* "udp" */
    const struct kentry *entries;
    unsigned n;
};

/** An import: the interface a domain needs and where Resolve stores it. */
struct kimport {
    const char *name;           /* interface name */
    const struct kiface **slot; /* set to the resolved interface; NULL until then */
};

/** Interfaces a domain may export, and imports it may have. */
#define KDOMAIN_MAX 16

/** A domain. Fields are read-only outside kernel/domain.c. */
struct kdomain {
    char name[32];
    const struct kiface *exports[KDOMAIN_MAX];
    unsigned nexports;
    struct kimport imports[KDOMAIN_MAX];
    unsigned nimports;
    bool allocated; /* from kdomain_create/kdomain_combine: kdomain_destroy frees it */
};

/**
 * kdomain_init - Create in caller storage (a module's static domain): @name,
 * @nexports interfaces from @exports (borrowed; they must outlive the
 * domain), @nimports imports (copied; their slots are cleared). Returns 0,
 * -KE_INVAL (NULL name or entries), -KE_TOOBIG (more than KDOMAIN_MAX),
 * -KE_EXIST (two exports of one name).
 */
int kdomain_init(struct kdomain *d, const char *name, const struct kiface *const *exports,
                 unsigned nexports, const struct kimport *imports, unsigned nimports);

/**
 * kdomain_create - Create: as kdomain_init in new memory. Returns the domain,
 * or NULL with *@err (may be NULL) set to kdomain_init's code or -KE_NOMEM.
 */
struct kdomain *kdomain_create(const char *name, const struct kiface *const *exports,
                               unsigned nexports, const struct kimport *imports, unsigned nimports,
                               int *err);

/** kdomain_destroy - free a domain from kdomain_create/kdomain_combine; others are ignored. */
void kdomain_destroy(struct kdomain *d);

/**
 * kdomain_resolve - Resolve: bind each unresolved import of @target whose
 * name @source's domain exports. Returns the number of imports bound (0 or
 * more), or -KE_PERM when @source lacks KCAP_IMPORT, -KE_INVAL on NULL.
 */
int kdomain_resolve(const struct kcap *source, struct kdomain *target);

/**
 * kdomain_combine - Combine: a new domain @name exporting the exports of the
 * domains of @a and @b (no imports). Both need KCAP_IMPORT (-KE_PERM);
 * -KE_EXIST when both export one name, -KE_TOOBIG when they do not fit,
 * -KE_NOMEM. Returns the domain or NULL with *@err set.
 */
struct kdomain *kdomain_combine(const char *name, const struct kcap *a, const struct kcap *b,
                                int *err);

/**
 * kdomain_link - Link: resolve every import of @target through the
 * capabilities of @caps that carry KCAP_IMPORT. Returns 0 when every import
 * is bound, -KE_PERM when an import is provided by no capability in @caps
 * (the imports that could be bound are), -KE_INVAL on NULL.
 */
int kdomain_link(struct kdomain *target, const struct kcapset *caps);

/**
 * kdomain_export - add @iface to the exports of @cap's domain. Needs
 * KCAP_MODIFY (-KE_PERM); -KE_EXIST, -KE_TOOBIG as kdomain_init.
 */
int kdomain_export(const struct kcap *cap, const struct kiface *iface);

/** kdomain_find - the interface @name that @d exports, or NULL. */
const struct kiface *kdomain_find(const struct kdomain *d, const char *name);

/** kiface_entry - the entry point @name of @iface, or NULL. */
kentry_fn kiface_entry(const struct kiface *iface, const char *name);

/** kdomain_unresolved - imports of @d not yet bound. */
unsigned kdomain_unresolved(const struct kdomain *d);

#endif
