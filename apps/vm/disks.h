/*
 * apps/vm/disks.h — the VM kernels' disks (apps/vm/disks.c).
 */
#ifndef SPINDLE_APPS_VM_DISKS_H
#define SPINDLE_APPS_VM_DISKS_H

/**
 * vm_disks_probe - register every virtio-blk disk as diskN (kernel/blk.h)
 * and, with the boot word "disk-check", read and report each one. Call
 * once, before the configuration is applied, so extensions find the disks.
 */
void vm_disks_probe(void);

#endif
