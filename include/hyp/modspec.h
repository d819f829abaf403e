/* SPDX-License-Identifier: MIT */
/*
 * Boot-module command lines.  Each multiboot module's command line is
 *
 *     <path> [name=NAME] [mem=SIZE] [vcpus=N] [role=dom0|domU] [ramdisk] [-- guest command line]
 *
 * A `ramdisk` module is the start_info module of the kernel module before it.
 */
#ifndef KOAN_HYP_MODSPEC_H
#define KOAN_HYP_MODSPEC_H

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
    const char *guest_cmdline;     /* points into the input; "" if none */
};

/* 0, or -EINVAL with *why naming the problem (unknown option, bad value). */
int modspec_parse(const char *cmdline, struct modspec *out, const char **why);

/*
 * Split off the next whitespace-separated token of *s: copies it into
 * tok[size] (truncating), advances *s past it; false at the end.
 */
bool cmdline_next_token(const char **s, char *tok, size_t size);

#endif
