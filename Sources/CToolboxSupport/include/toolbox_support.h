// Small C helpers Swift has no spelling for. Header-only: nothing here needs compiler flags.
#ifndef TOOLBOX_SUPPORT_H
#define TOOLBOX_SUPPORT_H

#include <spawn.h>
#include <stddef.h>
#include <stdio.h>

// Asks the CPU to start loading the cache line holding `address` (for reading, kept in every
// cache level). A hint: it never faults, so any address is safe.
static inline void toolbox_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

// `snprintf(buffer, size, format, value)` for one double: Swift reaches C's printf only
// through `withVaList`, whose boxing costs more than the formatting.
static inline int toolbox_format_double(char *buffer, size_t size, const char *format, double value) {
    return snprintf(buffer, size, format, value);
}

// Closes every descriptor from `fd` up in a spawned child (glibc's
// posix_spawn_file_actions_addclosefrom_np), so a child inherits nothing it was not given.
int toolbox_spawn_close_from(posix_spawn_file_actions_t *actions, int fd);

// `strtod` in the C locale whatever the process's locale (glibc's strtod_l): correctly rounded,
// ±HUGE_VAL past a double's range.
double toolbox_strtod_c(const char *text);

#endif
