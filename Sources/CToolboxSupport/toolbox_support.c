// Most helpers are static inline in include/toolbox_support.h; the ones that need glibc's GNU
// extensions live here, where _GNU_SOURCE is defined before any system header.
#define _GNU_SOURCE
#include "toolbox_support.h"

int toolbox_spawn_close_from(posix_spawn_file_actions_t *actions, int fd) {
    return posix_spawn_file_actions_addclosefrom_np(actions, fd);
}
