#ifndef DSTOOLBOX_CBLAS_SHIM_H
#define DSTOOLBOX_CBLAS_SHIM_H
// Debian's libopenblas-dev installs cblas.h under the multiarch include folder.
#include <cblas.h>
#endif
