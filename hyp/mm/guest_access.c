/* SPDX-License-Identifier: MIT */
/* copy_{from,to}_guest: range check, then the fault-tolerant copy (uaccess.S). */
#include <hyp/errno.h>
#include <hyp/guest_access.h>
#include <hyp/guest_range.h>

size_t raw_copy_guest(void *dst, const void *src, size_t n);
size_t raw_clear_guest(void *dst, size_t n);

int copy_from_guest(void *dst, uint64_t gva, size_t len)
{
    if (!guest_range_ok(gva, len))
        return -EFAULT;
    return raw_copy_guest(dst, (const void *)gva, len) ? -EFAULT : 0;
}

int copy_to_guest(uint64_t gva, const void *src, size_t len)
{
    if (!guest_range_ok(gva, len))
        return -EFAULT;
    return raw_copy_guest((void *)gva, src, len) ? -EFAULT : 0;
}

int clear_guest(uint64_t gva, size_t len)
{
    if (!guest_range_ok(gva, len))
        return -EFAULT;
    return raw_clear_guest((void *)gva, len) ? -EFAULT : 0;
}
