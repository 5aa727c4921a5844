// Most helpers are static inline in include/toolbox_support.h; the ones that need glibc's GNU
// extensions live here, where _GNU_SOURCE is defined before any system header.
#define _GNU_SOURCE
#include "toolbox_support.h"
#include <locale.h>
#include <stdlib.h>

int toolbox_spawn_close_from(posix_spawn_file_actions_t *actions, int fd) {
    return posix_spawn_file_actions_addclosefrom_np(actions, fd);
}

double toolbox_strtod_c(const char *text) {
    static locale_t c_locale = (locale_t)0;
    locale_t locale = __atomic_load_n(&c_locale, __ATOMIC_ACQUIRE);
    if (locale == (locale_t)0) {
        locale_t made = newlocale(LC_ALL_MASK, "C", (locale_t)0);
        locale_t expected = (locale_t)0;
        if (__atomic_compare_exchange_n(&c_locale, &expected, made, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            locale = made;
        } else {
            freelocale(made);
            locale = expected;
        }
    }
    return strtod_l(text, NULL, locale);
}
