/*
 * kernel/arch/x86_64/fwcfg.c — QEMU's firmware configuration device and the
 * boot configuration it carries (kernel/bootcfg.h).
 *
 * QEMU docs/specs/fw_cfg.rst: a 16-bit selector written to I/O port 0x510,
 * the selected item's bytes read one at a time from port 0x511, from its
 * start after every select. Item 0x0000 is the signature "QEMU"; item
 * 0x0019 (FW_CFG_FILE_DIR) is the file directory: a big-endian u32 count,
 * then per file a 64-byte entry { be32 size; be16 select; u16 reserved;
 * char name[56]; }. `-fw_cfg name=opt/spindle/config,file=FILE` publishes
 * FILE under that name.
 */
#include "kernel/arch.h"
#include "kernel/bootcfg.h"
#include "kernel/klib.h"
#include "x86.h"

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_FILE_DIR 0x0019
#define CONFIG_FILE "opt/spindle/config"
#define CONFIG_MAX (1u << 20) /* refuse absurd sizes */

static const char *boot_config;
static size_t boot_config_len;
static bool boot_config_loaded;

void x86_fwcfg_read(uint16_t select, void *buf, uint32_t len)
{
    uint8_t *p = buf;
    uint64_t f = irq_save();
    outw(FW_CFG_PORT_SEL, select);
    for (uint32_t i = 0; i < len; i++)
        p[i] = inb(FW_CFG_PORT_DATA);
    irq_restore(f);
}

bool x86_fwcfg_present(void)
{
    char sig[4];
    x86_fwcfg_read(FW_CFG_SIGNATURE, sig, 4);
    return sig[0] == 'Q' && sig[1] == 'E' && sig[2] == 'M' && sig[3] == 'U';
}

bool x86_fwcfg_find(const char *name, uint16_t *select, uint32_t *size)
{
    uint8_t ent[64];
    bool found = false;
    uint64_t f = irq_save();
    outw(FW_CFG_PORT_SEL, FW_CFG_FILE_DIR);
    uint8_t cnt[4];
    for (unsigned k = 0; k < 4; k++)
        cnt[k] = inb(FW_CFG_PORT_DATA);
    uint32_t n = load_be32(cnt);
    for (uint32_t i = 0; i < n && i < 4096; i++) {
        for (unsigned k = 0; k < 64; k++)
            ent[k] = inb(FW_CFG_PORT_DATA);
        ent[63] = '\0';
        if (strcmp((const char *)ent + 8, name) == 0) {
            *size = load_be32(ent);
            *select = load_be16(ent + 4);
            found = true;
            break;
        }
    }
    irq_restore(f);
    return found;
}

static void load_config(void)
{
    boot_config_loaded = true;
    uint16_t sel;
    uint32_t size;
    if (!x86_fwcfg_present() || !x86_fwcfg_find(CONFIG_FILE, &sel, &size) || size > CONFIG_MAX)
        return;
    char *buf = arch_alloc(size + 1, 16);
    if (!buf)
        return;
    x86_fwcfg_read(sel, buf, size);
    buf[size] = '\0';
    boot_config = buf;
    boot_config_len = size;
}

const char *arch_boot_config(size_t *len)
{
    if (!boot_config_loaded)
        load_config();
    *len = boot_config_len;
    return boot_config;
}

const char *arch_boot_config_name(void)
{
    return CONFIG_FILE;
}
