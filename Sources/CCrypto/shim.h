#ifndef FERRY_CCRYPTO_SHIM_H
#define FERRY_CCRYPTO_SHIM_H
// OpenSSL's libcrypto, only for its message digests: they use the CPU's SHA extensions,
// which matters when every byte of a multi-GiB disk is hashed.
#include <openssl/evp.h>
#endif
