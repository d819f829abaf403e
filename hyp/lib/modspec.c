/* SPDX-License-Identifier: MIT */
/*
 * Parsing of boot-module command lines (see include/hyp/modspec.h), and
 * of the durations they and the hypervisor's command line use.
 */
#include <hyp/bvt.h>
#include <hyp/errno.h>
#include <hyp/modspec.h>
#include <hyp/string.h>

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool cmdline_next_token(const char **s, char *tok, size_t size)
{
    const char *p = *s;
    size_t n = 0;

    while (is_space(*p))
        p++;
    if (!*p)
        return false;
    while (*p && !is_space(*p)) {
        if (n + 1 < size)
            tok[n++] = *p;
        p++;
    }
    if (size)
        tok[n] = '\0';
    *s = p;
    return true;
}

static bool valid_name(const char *name)
{
    size_t len = strlen(name);

    if (len == 0 || len >= MODSPEC_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        if (!ok)
            return false;
    }
    return true;
}

/* A decimal count in 1..MODSPEC_VCPUS_MAX, nothing else. */
static int parse_vcpus(const char *s, unsigned *out)
{
    unsigned n = 0;

    if (!*s)
        return -EINVAL;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || n > MODSPEC_VCPUS_MAX)
            return -EINVAL;
        n = n * 10 + (unsigned)(*s - '0');
    }
    if (n < 1 || n > MODSPEC_VCPUS_MAX)
        return -EINVAL;
    *out = n;
    return 0;
}

/* A number of the unit a suffix names; none means ms. */
static const struct {
    const char *suffix;
    uint64_t ns;
} duration_units[] = {
    { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 }, { "", 1000000 },
};

int parse_duration_ns(const char *s, uint64_t *out)
{
    char digits[24];
    size_t n = 0;

    while (s[n] >= '0' && s[n] <= '9')
        n++;
    if (n == 0 || n >= sizeof(digits))
        return -EINVAL;
    memcpy(digits, s, n);
    digits[n] = '\0';
    uint64_t v;
    if (parse_u64(digits, 10, &v))
        return -EINVAL;
    for (size_t i = 0; i < ARRAY_SIZE(duration_units); i++) {
        if (strcmp(s + n, duration_units[i].suffix))
            continue;
        if (v > UINT64_MAX / duration_units[i].ns)
            return -EINVAL;
        *out = v * duration_units[i].ns;
        return 0;
    }
    return -EINVAL;
}

/* Digits only (no sign, no 0x), within 64 bits. */
static int parse_decimal(const char *s, uint64_t *out)
{
    if (*s < '0' || *s > '9')
        return -EINVAL;
    return parse_u64(s, 10, out);
}

/* The scheduling options (docs/scheduler.md); their ranges are bvt_params_check's. */
static int parse_sched_option(const char *tok, struct bvt_params *p, const char **why)
{
    uint64_t v;

    if (strncmp(tok, "mcu_advance=", 12) == 0) {
        if (parse_decimal(tok + 12, &v) || v > UINT32_MAX)
            return *why = "bad mcu_advance (a whole number, 1 to 1000)", -EINVAL;
        p->mcu_advance = (uint32_t)v;
    } else if (strncmp(tok, "warp=", 5) == 0) {
        if (parse_decimal(tok + 5, &p->warp))
            return *why = "bad warp (a whole number of virtual-time units)", -EINVAL;
    } else if (strncmp(tok, "warp_limit=", 11) == 0) {
        if (parse_duration_ns(tok + 11, &p->warp_limit_ns))
            return *why = "bad warp_limit (a time: N[ns|us|ms|s], ms if no unit)", -EINVAL;
    } else if (strncmp(tok, "unwarp=", 7) == 0) {
        if (parse_duration_ns(tok + 7, &p->unwarp_ns))
            return *why = "bad unwarp (a time: N[ns|us|ms|s], ms if no unit)", -EINVAL;
    } else {
        return *why = "unknown module option", -EINVAL;
    }
    return 0;
}

static int parse_option(const char *tok, struct modspec *out, const char **why)
{
    if (strncmp(tok, "name=", 5) == 0) {
        if (!valid_name(tok + 5))
            return *why = "bad domain name", -EINVAL;
        strlcpy(out->name, tok + 5, sizeof(out->name));
    } else if (strncmp(tok, "mem=", 4) == 0) {
        if (parse_size(tok + 4, &out->mem_bytes) || out->mem_bytes < 4096)
            return *why = "bad memory size", -EINVAL;
    } else if (strncmp(tok, "vcpus=", 6) == 0) {
        if (parse_vcpus(tok + 6, &out->vcpus))
            return *why = "bad vCPU count (1 to 64)", -EINVAL;
    } else if (strcmp(tok, "role=dom0") == 0) {
        out->role = ROLE_DOM0;
    } else if (strcmp(tok, "role=domU") == 0) {
        out->role = ROLE_DOMU;
    } else if (strcmp(tok, "ramdisk") == 0) {
        out->is_ramdisk = true;
    } else {
        return parse_sched_option(tok, &out->sched, why);
    }
    return 0;
}

int modspec_parse(const char *cmdline, struct modspec *out, const char **why)
{
    char tok[128];
    const char *p = cmdline;

    memset(out, 0, sizeof(*out));
    out->guest_cmdline = "";
    bvt_params_default(&out->sched);
    if (!cmdline_next_token(&p, tok, sizeof(tok)))   /* the module's path */
        return 0;
    while (cmdline_next_token(&p, tok, sizeof(tok))) {
        if (strcmp(tok, "--") == 0) {
            while (is_space(*p))
                p++;
            out->guest_cmdline = p;
            break;
        }
        if (strlen(tok) >= sizeof(tok) - 1)
            return *why = "module option too long", -EINVAL;
        int rc = parse_option(tok, out, why);
        if (rc)
            return rc;
    }
    /* Well-formed, but in range?  The policy says (its reason names the value). */
    return bvt_params_check(&out->sched, why);
}
