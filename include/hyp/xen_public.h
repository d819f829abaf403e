/* SPDX-License-Identifier: MIT */
/*
 * The Xen public ABI, straight from Debian's libxen-dev headers.  Include this
 * rather than <xen/xen.h> directly: those headers expect <stdint.h> first.
 */
#ifndef KOAN_HYP_XEN_PUBLIC_H
#define KOAN_HYP_XEN_PUBLIC_H

#include <stdint.h>
#include <xen/xen.h>
#include <xen/elfnote.h>
#include <xen/features.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>

#endif
