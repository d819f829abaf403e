/* SPDX-License-Identifier: MIT */
/*
 * Error numbers: the Xen public ones (libxen-dev's xen/errno.h), as plain
 * EINVAL-style names.  Hypervisor functions return 0 or -Exxx.  On the host
 * (unit tests) libc's values are used; on x86 Linux they are the same numbers.
 */
#ifndef KOAN_HYP_ERRNO_H
#define KOAN_HYP_ERRNO_H

#ifdef KOAN_HOST_TEST
#include <errno.h>
#else
#define XEN_ERRNO(name, value) name = value,
enum koan_errno {
#include <xen/errno.h>
};
/* Internal only (Xen keeps it under __XEN__): a hypercall must be continued. */
#define ERESTART 85
#endif

#endif
