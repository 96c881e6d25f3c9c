/*
 * kernel/bootcfg.c — the portable part of kernel/bootcfg.h on the
 * bare-metal targets: command-line words. The target provides the command
 * line itself (arch_boot_cmdline: x86_64 from hvm_start_info, alpha from
 * QEMU's parameter block).
 */
#include "kernel/bootcfg.h"
#include "kernel/klib.h"

bool arch_boot_flag(const char *word)
{
    size_t n = strlen(word);
    const char *s = arch_boot_cmdline();
    while (*s) {
        while (*s == ' ' || *s == '\t')
            s++;
        const char *w = s;
        while (*s && *s != ' ' && *s != '\t')
            s++;
        if ((size_t)(s - w) == n && n > 0 && strncmp(w, word, n) == 0)
            return true;
    }
    return false;
}
