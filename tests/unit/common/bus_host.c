/* tests/unit/common/bus_host.c — see bus_host.h. */
#include "bus_host.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/virtio/virtio_pci.h"
#include "kernel/bus.h"
#include "kernel/kerr.h"

unsigned bus_host_notifies[2];

void bus_mb(void)
{
}
void bus_rmb(void)
{
}
void bus_wmb(void)
{
}
uint64_t bus_dma_addr(const struct bus_device *d, const void *virt, bool physical)
{
    (void)d;
    (void)physical;
    return (uint64_t)(uintptr_t)virt;
}
int bus_dma_alloc(size_t size, size_t align, struct bus_dma *out)
{
    out->virt = aligned_alloc(align, (size + align - 1) / align * align);
    if (out->virt == NULL)
        return -KE_NOMEM;
    memset(out->virt, 0, size);
    out->phys = (uint64_t)(uintptr_t)out->virt;
    out->size = size;
    return 0;
}
void virtio_pci_notify(struct virtio_pci *vp, uint16_t q)
{
    (void)vp;
    bus_host_notifies[q & 1u]++;
}
uint8_t virtio_pci_isr(struct virtio_pci *vp)
{
    (void)vp;
    return 0;
}
