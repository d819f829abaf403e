/* SPDX-License-Identifier: MIT */
/*
 * Boot-time domains from the multiboot modules (see include/hyp/modspec.h):
 * the first kernel is the privileged dom0 unless it says role=domU, later
 * ones are unprivileged domUs, each with the vCPUs its `vcpus=` asks for
 * and the scheduling parameters it gives (docs/scheduler.md).  A module that cannot become a domain is
 * refused with its reason; the others still start.
 */
#include <asm/page.h>
#include <hyp/boot_info.h>
#include <hyp/console.h>
#include <hyp/dom_build.h>
#include <hyp/domain_footprint.h>
#include <hyp/frame.h>
#include <hyp/modspec.h>
#include <hyp/options.h>
#include <hyp/sched.h>
#include <hyp/string.h>

_Static_assert(MODSPEC_VCPUS_MAX == MAX_VCPUS_PER_DOMAIN, "vcpus= and the domain agree");

static bool have_dom0;

static void refuse(const char *name, const char *why)
{
    log_info("domain %s: refusing image: %s\n", name, why);
}

static void build_one(const struct boot_info *bi, unsigned idx, unsigned kernel_nr)
{
    const struct boot_module module = boot_info_module(bi, idx), *m = &module;
    struct boot_module next;
    const struct boot_module *rd = NULL;
    struct modspec spec, rd_spec;
    const char *why;
    char fallback[16] = "dom?";

    if (modspec_parse(m->cmdline, &spec, &why)) {
        refuse(fallback, why);
        return;
    }
    if (idx + 1 < bi->nr_modules) {
        next = boot_info_module(bi, idx + 1);
        if (!modspec_parse(next.cmdline, &rd_spec, &why) && rd_spec.is_ramdisk)
            rd = &next;
    }

    bool dom0 = spec.role == ROLE_DOM0 || (spec.role == ROLE_DEFAULT && kernel_nr == 0);
    if (dom0 && have_dom0) {
        refuse(spec.name[0] ? spec.name : "dom0", "there is already a dom0");
        return;
    }
    struct domain *d = domain_alloc(spec.name, dom0);
    if (!d) {
        refuse(spec.name, "no memory or domain id left for a domain");
        return;
    }
    d->sched_params = spec.sched;   /* before its vCPUs exist: each takes a copy */
    uint64_t mem = spec.mem_bytes ? spec.mem_bytes : koan_options.dom_mem;
    struct dom_build_args args = {
        .kernel = phys_to_virt(m->start), .kernel_size = m->end - m->start,
        .module = rd ? phys_to_virt(rd->start) : NULL,
        .module_size = rd ? rd->end - rd->start : 0,
        .nr_pages = mem >> PAGE_SHIFT, .cmdline = spec.guest_cmdline,
    };
    char name[DOMAIN_NAME_MAX];
    strlcpy(name, d->name, sizeof(name));
    if (domain_vcpus_create(d, spec.vcpus ? spec.vcpus : 1) || evtchn_domain_init(d)) {
        domain_free(d);
        refuse(name, "not enough free memory for the domain's vCPUs and event channels");
        return;
    }
    if (dom_build(d, &args, &why)) {
        refuse(name, why);
        return;
    }
    have_dom0 |= dom0;
    sched_vcpu_update(d->vcpu[0]);   /* vCPU 0 is up: onto the run queue */
}

void boot_domains_create(const struct boot_info *bi)
{
    uint64_t free_before = machine_frames_free_count();
    unsigned kernels = 0;

    for (unsigned i = 0; i < bi->nr_modules; i++) {
        struct modspec spec;
        const char *why;
        if (!modspec_parse(boot_info_module(bi, i).cmdline, &spec, &why) && spec.is_ramdisk)
            continue;
        build_one(bi, i, kernels++);
    }
    domain_footprint_report(free_before - machine_frames_free_count());
}
