#ifndef FERRY_CDEFLATE_SHIM_H
#define FERRY_CDEFLATE_SHIM_H
#include <libdeflate.h>
#endif
