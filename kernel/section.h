/*
 * kernel/section.h — link-time registration: a module adds a pointer to its
 * descriptor to a named set with one macro line, and the core walks the set
 * at bring-up. No central list is edited (Click's EXPORT_ELEMENT, VPP's
 * VLIB_REGISTER_NODE, FreeBSD's SYSINIT/linker sets).
 *
 * Each set is an ELF section "kset_NAME" holding `const T *` entries. The
 * GNU linker defines __start_kset_NAME / __stop_kset_NAME around a section
 * whose name is a C identifier; the bare-metal linker scripts
 * (kernel/arch/{x86_64,alpha}/linker.ld) name the same symbols explicitly
 * and KEEP the sections. The hosted build links the core with
 * --whole-archive, so an object referenced only through a set is not
 * dropped. The symbols are weak, so a set with no entry is empty rather
 * than an undefined reference.
 *
 * The order of entries is the link order; users that need an order sort
 * (netgraph/node.h sorts nodes by layer, then name).
 *
 * Sets in use: kset_nodes (netgraph/node.h), kset_exts
 * (netgraph/extension.h), kset_drivers (kernel/port.h), kset_stages
 * (netgraph/stage.h), kset_cmds (apps/console/command.h). A new set needs
 * its two lines in both bare-metal linker scripts.
 */
#ifndef SPINDLE_KERNEL_SECTION_H
#define SPINDLE_KERNEL_SECTION_H

#define KSET_CAT_(a, b) a##b
#define KSET_CAT(a, b) KSET_CAT_(a, b)

/**
 * KSET_DECLARE - declare set @set whose entries are `@type *const`.
 * Put it in the header that defines the descriptor type.
 */
#define KSET_DECLARE(set, type)                                    \
    extern type *const __start_kset_##set[] __attribute__((weak)); \
    extern type *const __stop_kset_##set[] __attribute__((weak))

/**
 * KSET_ADD - add the address of descriptor @var (an object of @type with
 * static storage) to set @set. One line per descriptor, at file scope.
 */
#define KSET_ADD(set, type, var)                          \
    static type *const KSET_CAT(kset_entry_##set##_, var) \
        __attribute__((used, section("kset_" #set), aligned(sizeof(void *)))) = &(var)

/** KSET_BEGIN / KSET_END - the entries of @set, as a [begin, end) array of pointers. */
#define KSET_BEGIN(set) (__start_kset_##set)
#define KSET_END(set) (__stop_kset_##set)
/** KSET_COUNT - the number of entries in @set. */
#define KSET_COUNT(set) \
    (KSET_BEGIN(set) == (void *)0 ? 0u : (unsigned)(KSET_END(set) - KSET_BEGIN(set)))

/** KSET_FOREACH - for each entry of @set: @it is a `@type *const *`. */
#define KSET_FOREACH(set, type, it) \
    for (type *const *it = KSET_BEGIN(set); it != (void *)0 && it < KSET_END(set); it++)

#endif
