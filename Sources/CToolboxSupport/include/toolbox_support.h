// Small C helpers Swift has no spelling for. Header-only: nothing here needs compiler flags.
#ifndef TOOLBOX_SUPPORT_H
#define TOOLBOX_SUPPORT_H

// Asks the CPU to start loading the cache line holding `address` (for reading, kept in every
// cache level). A hint: it never faults, so any address is safe.
static inline void toolbox_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
