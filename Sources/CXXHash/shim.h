#ifndef FERRY_CXXHASH_SHIM_H
#define FERRY_CXXHASH_SHIM_H
// xxHash's XXH3 (Debian's libxxhash): ~20 GB/s per core, for the content digest of
// imported disks, where SHA-256 was measured at 40 % of the importer's CPU.
#include <xxhash.h>
#endif
