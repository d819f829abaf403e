/* SPDX-License-Identifier: MIT */
/*
 * xen_version: Koan presents itself as Xen 4.17, the interface it
 * implements, with its own extraversion.  Feature bits are those a 64-bit PV
 * guest of Xen 4.17 sees that Koan really provides (see docs/boot.md).
 */
#include <hyp/domain.h>
#include <hyp/hypercall.h>
#include <hyp/errno.h>
#include <hyp/guest_access.h>
#include <hyp/pv.h>
#include <hyp/string.h>

#define KOAN_XEN_MAJOR 4
#define KOAN_XEN_MINOR 17
#define KOAN_EXTRAVERSION ".0-koan"

static uint32_t features_submap0(const struct domain *d)
{
    uint32_t f = (1u << XENFEAT_mmu_pt_update_preserve_ad) |
                 (1u << XENFEAT_highmem_assist) |
                 (1u << XENFEAT_gnttab_map_avail_bits);

    if (d->is_dom0)
        f |= 1u << XENFEAT_dom0;
    return f;
}

static __attribute__((noinline)) long copy_string_out(uint64_t arg, const char *s,
                                                     size_t size)
{
    char buf[1024];

    memset(buf, 0, size);
    strlcpy(buf, s, size);
    return copy_to_guest(arg, buf, size) ? -EFAULT : 0;
}

/*
 * The sub-ops with a buffer stay out of line: inlined, their buffers would
 * give every xen_version call, XENVER_version included, a stack frame.
 */
static __attribute__((noinline)) long version_get_features(uint64_t arg)
{
    xen_feature_info_t fi;

    if (copy_from_guest(&fi, arg, sizeof(fi)))
        return -EFAULT;
    if (fi.submap_idx >= XENFEAT_NR_SUBMAPS)
        return -EINVAL;
    fi.submap = fi.submap_idx == 0 ? features_submap0(current_domain()) : 0;
    return copy_to_guest(arg, &fi, sizeof(fi)) ? -EFAULT : 0;
}

static long version_platform_parameters(uint64_t arg)
{
    xen_platform_parameters_t p = { .virt_start = HYPERVISOR_VIRT_START };

    return copy_to_guest(arg, &p, sizeof(p)) ? -EFAULT : 0;
}

static __attribute__((noinline)) long version_compile_info(uint64_t arg)
{
    xen_compile_info_t ci;

    memset(&ci, 0, sizeof(ci));
    strlcpy(ci.compiler, "gcc", sizeof(ci.compiler));
    strlcpy(ci.compile_by, "koan", sizeof(ci.compile_by));
    strlcpy(ci.compile_domain, "koan", sizeof(ci.compile_domain));
    strlcpy(ci.compile_date, __DATE__, sizeof(ci.compile_date));
    return copy_to_guest(arg, &ci, sizeof(ci)) ? -EFAULT : 0;
}

long do_xen_version(uint64_t cmd, uint64_t arg)
{
    switch ((uint32_t)cmd) {
    case XENVER_version:
        return (KOAN_XEN_MAJOR << 16) | KOAN_XEN_MINOR;
    case XENVER_extraversion:
        return copy_string_out(arg, KOAN_EXTRAVERSION, sizeof(xen_extraversion_t));
    case XENVER_compile_info:
        return version_compile_info(arg);
    case XENVER_capabilities:
        return copy_string_out(arg, "xen-3.0-x86_64 ", sizeof(xen_capabilities_info_t));
    case XENVER_changeset:
        return copy_string_out(arg, "koan", sizeof(xen_changeset_info_t));
    case XENVER_platform_parameters:
        return version_platform_parameters(arg);
    case XENVER_get_features:
        return version_get_features(arg);
    case XENVER_pagesize:
        return PAGE_SIZE;
    case XENVER_guest_handle:
        return clear_guest(arg, sizeof(xen_domain_handle_t)) ? -EFAULT : 0;
    default:
        return hypercall_subop_missing(__HYPERVISOR_xen_version, (uint32_t)cmd);
    }
}
