#ifndef DSTOOLBOX_CLAPACK_SHIM_H
#define DSTOOLBOX_CLAPACK_SHIM_H
// Fortran LAPACK entry points exported by OpenBLAS. Matrices are column-major; every
// argument is passed by pointer, and gfortran appends one hidden size_t length for each
// character argument at the end of the list.
#include <stddef.h>

typedef int lapack_int;

void dgesdd_(const char *jobz, const lapack_int *m, const lapack_int *n, double *a,
             const lapack_int *lda, double *s, double *u, const lapack_int *ldu,
             double *vt, const lapack_int *ldvt, double *work, const lapack_int *lwork,
             lapack_int *iwork, lapack_int *info, size_t jobz_len);

void dsyevd_(const char *jobz, const char *uplo, const lapack_int *n, double *a,
             const lapack_int *lda, double *w, double *work, const lapack_int *lwork,
             lapack_int *iwork, const lapack_int *liwork, lapack_int *info,
             size_t jobz_len, size_t uplo_len);

void dpotrf_(const char *uplo, const lapack_int *n, double *a, const lapack_int *lda,
             lapack_int *info, size_t uplo_len);

void dpotrs_(const char *uplo, const lapack_int *n, const lapack_int *nrhs,
             const double *a, const lapack_int *lda, double *b, const lapack_int *ldb,
             lapack_int *info, size_t uplo_len);

void dgesv_(const lapack_int *n, const lapack_int *nrhs, double *a, const lapack_int *lda,
            lapack_int *ipiv, double *b, const lapack_int *ldb, lapack_int *info);

void dgelsd_(const lapack_int *m, const lapack_int *n, const lapack_int *nrhs, double *a,
             const lapack_int *lda, double *b, const lapack_int *ldb, double *s,
             const double *rcond, lapack_int *rank, double *work, const lapack_int *lwork,
             lapack_int *iwork, lapack_int *info);

#endif
