// The helpers are static inline in include/toolbox_support.h; this file gives the target a source.
#include "toolbox_support.h"
