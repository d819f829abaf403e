/* SPDX-License-Identifier: MIT */
/* Parsing of boot-module command lines (see include/hyp/modspec.h). */
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
        return *why = "unknown module option", -EINVAL;
    }
    return 0;
}

int modspec_parse(const char *cmdline, struct modspec *out, const char **why)
{
    char tok[128];
    const char *p = cmdline;

    memset(out, 0, sizeof(*out));
    out->guest_cmdline = "";
    if (!cmdline_next_token(&p, tok, sizeof(tok)))   /* the module's path */
        return 0;
    while (cmdline_next_token(&p, tok, sizeof(tok))) {
        if (strcmp(tok, "--") == 0) {
            while (is_space(*p))
                p++;
            out->guest_cmdline = p;
            return 0;
        }
        if (strlen(tok) >= sizeof(tok) - 1)
            return *why = "module option too long", -EINVAL;
        int rc = parse_option(tok, out, why);
        if (rc)
            return rc;
    }
    return 0;
}
