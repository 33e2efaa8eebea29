#ifndef FERRY_CLIBVIRT_SHIM_H
#define FERRY_CLIBVIRT_SHIM_H
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#endif
