/*
 * internal.h -- what every libmos source file shares.
 *
 * The library is compiled with -fvisibility=hidden; MOS_EXPORT marks the
 * definition of each public call, and lib/libmos.map lists the same names.
 * A test (testsuite/libmos.api/exports) checks that the two agree.
 */
#ifndef MOS_INTERNAL_H
#define MOS_INTERNAL_H

#include "mos_build.h"

#define MOS_EXPORT __attribute__((visibility("default")))

#define MOS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
