/* SPDX-License-Identifier: MIT */
/*
 * Boot-module command lines.  Each multiboot module's command line is
 *
 *     <path> [name=NAME] [mem=SIZE] [vcpus=N] [role=dom0|domU]
 *            [mcu_advance=N] [warp=N] [warp_limit=TIME] [unwarp=TIME]
 *            [ramdisk] [-- guest command line]
 *
 * A `ramdisk` module is the start_info module of the kernel module before
 * it.  The scheduling options are the domain's BVT parameters
 * (docs/scheduler.md), checked with bvt_params_check; a TIME is
 * N[ns|us|ms|s], ms without a unit.
 */
#ifndef KOAN_HYP_MODSPEC_H
#define KOAN_HYP_MODSPEC_H

#include <hyp/bvt.h>
#include <hyp/types.h>

#define MODSPEC_NAME_MAX 32
#define MODSPEC_VCPUS_MAX 64   /* = MAX_VCPUS_PER_DOMAIN (include/hyp/domain.h) */

enum modspec_role { ROLE_DEFAULT, ROLE_DOM0, ROLE_DOMU };

struct modspec {
    char name[MODSPEC_NAME_MAX];   /* "" = not given */
    uint64_t mem_bytes;            /* 0 = not given */
    unsigned vcpus;                /* 1..MODSPEC_VCPUS_MAX; 0 = not given (1) */
    enum modspec_role role;
    bool is_ramdisk;
    struct bvt_params sched;       /* bvt_params_default unless given */
    const char *guest_cmdline;     /* points into the input; "" if none */
};

/*
 * 0, or -EINVAL with *why naming the problem (unknown option, bad value,
 * scheduling parameters out of range: bvt_params_check's reason).
 */
int modspec_parse(const char *cmdline, struct modspec *out, const char **why);

/* A duration, N[ns|us|ms|s] (ms if no unit), as ns: 0, or -EINVAL on junk or overflow. */
int parse_duration_ns(const char *s, uint64_t *out);

/*
 * Split off the next whitespace-separated token of *s: copies it into
 * tok[size] (truncating), advances *s past it; false at the end.
 */
bool cmdline_next_token(const char **s, char *tok, size_t size);

#endif
