#ifndef FERRY_CCEPH_SHIM_H
#define FERRY_CCEPH_SHIM_H
#include <rados/librados.h>
#include <rbd/librbd.h>
#endif
