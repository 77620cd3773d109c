#ifndef STRATA_CSNAPPY_SHIM_H
#define STRATA_CSNAPPY_SHIM_H
#include <snappy-c.h>
#endif
