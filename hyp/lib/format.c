/* SPDX-License-Identifier: MIT */
/*
 * printf-style formatting: a conversion-spec parser, integer/string/char
 * renderers that emit through a putc callback, and snprintf on top.
 */
#include <hyp/format.h>
#include <hyp/string.h>

enum {
    F_LEFT  = 1 << 0,  /* '-' */
    F_ZERO  = 1 << 1,  /* '0' */
    F_PLUS  = 1 << 2,  /* '+' */
    F_SPACE = 1 << 3,  /* ' ' */
    F_ALT   = 1 << 4,  /* '#' */
};

enum length { LEN_INT, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z };

struct spec {
    unsigned flags;
    int width;          /* 0 = none */
    int prec;           /* -1 = none */
    enum length len;
    char conv;
};

struct sink {
    void (*putc)(void *ctx, char c);
    void *ctx;
};

static void emit_repeat(const struct sink *o, char c, int n)
{
    for (; n > 0; n--)
        o->putc(o->ctx, c);
}

static void emit_n(const struct sink *o, const char *s, size_t n)
{
    while (n--)
        o->putc(o->ctx, *s++);
}

/* Parse a decimal number at *fmtp, saturating at FMT_MAX_WIDTH. */
static int parse_count(const char **fmtp)
{
    const char *f = *fmtp;
    int n = 0;

    for (; *f >= '0' && *f <= '9'; f++)
        n = MIN(n * 10 + (*f - '0'), FMT_MAX_WIDTH);
    *fmtp = f;
    return n;
}

static unsigned parse_flags(const char **fmtp)
{
    unsigned flags = 0;

    for (;; (*fmtp)++) {
        switch (**fmtp) {
        case '-': flags |= F_LEFT; break;
        case '0': flags |= F_ZERO; break;
        case '+': flags |= F_PLUS; break;
        case ' ': flags |= F_SPACE; break;
        case '#': flags |= F_ALT; break;
        default: return flags;
        }
    }
}

/* Width: digits or '*' (a negative '*' width means '-' flag). */
static void parse_width(const char **fmtp, va_list *ap, struct spec *sp)
{
    int w;

    if (**fmtp != '*') {
        sp->width = parse_count(fmtp);
        return;
    }
    (*fmtp)++;
    w = va_arg(*ap, int);
    if (w < 0) {
        sp->flags |= F_LEFT;
        w = w < -FMT_MAX_WIDTH ? FMT_MAX_WIDTH : -w;
    }
    sp->width = MIN(w, FMT_MAX_WIDTH);
}

/* Precision: '.' then digits or '*' (a negative '*' precision means none). */
static void parse_precision(const char **fmtp, va_list *ap, struct spec *sp)
{
    int p;

    sp->prec = -1;
    if (**fmtp != '.')
        return;
    (*fmtp)++;
    if (**fmtp != '*') {
        sp->prec = parse_count(fmtp);
        return;
    }
    (*fmtp)++;
    p = va_arg(*ap, int);
    sp->prec = p < 0 ? -1 : MIN(p, FMT_MAX_WIDTH);
}

static enum length parse_length(const char **fmtp)
{
    const char *f = *fmtp;
    enum length len = LEN_INT;

    if (f[0] == 'h')
        len = f[1] == 'h' ? LEN_HH : LEN_H;
    else if (f[0] == 'l')
        len = f[1] == 'l' ? LEN_LL : LEN_L;
    else if (f[0] == 'z')
        len = LEN_Z;
    *fmtp = f + (len == LEN_HH || len == LEN_LL ? 2 : len != LEN_INT);
    return len;
}

/* Parse the spec after '%'; *fmtp ends just past the conversion char (if any). */
static void parse_spec(const char **fmtp, va_list *ap, struct spec *sp)
{
    sp->flags = parse_flags(fmtp);
    parse_width(fmtp, ap, sp);
    parse_precision(fmtp, ap, sp);
    sp->len = parse_length(fmtp);
    sp->conv = **fmtp;
    if (sp->conv)
        (*fmtp)++;
}

static int64_t fetch_signed(va_list *ap, enum length len)
{
    switch (len) {
    case LEN_HH: return (signed char)va_arg(*ap, int);
    case LEN_H:  return (short)va_arg(*ap, int);
    case LEN_L:  return va_arg(*ap, long);
    case LEN_LL: return va_arg(*ap, long long);
    case LEN_Z:  return va_arg(*ap, ptrdiff_t);
    default:     return va_arg(*ap, int);
    }
}

static uint64_t fetch_unsigned(va_list *ap, enum length len)
{
    switch (len) {
    case LEN_HH: return (unsigned char)va_arg(*ap, unsigned);
    case LEN_H:  return (unsigned short)va_arg(*ap, unsigned);
    case LEN_L:  return va_arg(*ap, unsigned long);
    case LEN_LL: return va_arg(*ap, unsigned long long);
    case LEN_Z:  return va_arg(*ap, size_t);
    default:     return va_arg(*ap, unsigned);
    }
}

/* Write the digits of v in base, most significant last; returns the count. */
static int digits_reversed(char *buf, uint64_t v, unsigned base, bool upper)
{
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int n = 0;

    for (; v; v /= base)
        buf[n++] = set[v % base];
    return n;
}

/* Sign or radix prefix for an integer conversion. */
static const char *int_prefix(const struct spec *sp, uint64_t mag, bool neg)
{
    if (sp->conv == 'd' || sp->conv == 'i') {
        if (neg)
            return "-";
        return sp->flags & F_PLUS ? "+" : (sp->flags & F_SPACE ? " " : "");
    }
    if (sp->conv == 'p' || (sp->flags & F_ALT && mag && sp->conv == 'x'))
        return "0x";
    if (sp->flags & F_ALT && mag && sp->conv == 'X')
        return "0X";
    return "";
}

/* Render an integer of magnitude mag: [pad][prefix][zeros][digits][pad]. */
static void emit_int(const struct sink *o, const struct spec *sp, uint64_t mag, bool neg)
{
    char buf[24];
    unsigned base = sp->conv == 'o' ? 8 : (sp->conv == 'u' || sp->conv == 'd' ||
                                          sp->conv == 'i') ? 10 : 16;
    int ndig = digits_reversed(buf, mag, base, sp->conv == 'X');
    int prec = sp->prec < 0 ? 1 : sp->prec;
    int zeros = prec > ndig ? prec - ndig : 0;
    const char *prefix = int_prefix(sp, mag, neg);
    int total;

    if (sp->conv == 'o' && sp->flags & F_ALT && zeros == 0 && (mag || ndig == 0))
        zeros = 1;                      /* '#': first digit must be 0 */
    total = (int)strlen(prefix) + zeros + ndig;
    if ((sp->flags & (F_ZERO | F_LEFT)) == F_ZERO && sp->prec < 0 && sp->width > total) {
        zeros += sp->width - total;
        total = sp->width;
    }
    if (!(sp->flags & F_LEFT))
        emit_repeat(o, ' ', sp->width - total);
    emit_n(o, prefix, strlen(prefix));
    emit_repeat(o, '0', zeros);
    while (ndig)
        o->putc(o->ctx, buf[--ndig]);
    if (sp->flags & F_LEFT)
        emit_repeat(o, ' ', sp->width - total);
}

/* Render n bytes of s padded to the field width. */
static void emit_field(const struct sink *o, const struct spec *sp, const char *s, size_t n)
{
    int pad = sp->width > (int)n ? sp->width - (int)n : 0;

    if (!(sp->flags & F_LEFT))
        emit_repeat(o, ' ', pad);
    emit_n(o, s, n);
    if (sp->flags & F_LEFT)
        emit_repeat(o, ' ', pad);
}

static void emit_string(const struct sink *o, const struct spec *sp, const char *s)
{
    if (!s)
        s = "(null)";
    emit_field(o, sp, s, sp->prec < 0 ? strlen(s) : strnlen(s, (size_t)sp->prec));
}

/* Perform one conversion; returns false if sp->conv is not a known one. */
static bool convert(const struct sink *o, const struct spec *sp, va_list *ap)
{
    char c;

    switch (sp->conv) {
    case 'd': case 'i': {
        int64_t v = fetch_signed(ap, sp->len);

        emit_int(o, sp, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0);
        return true;
    }
    case 'u': case 'x': case 'X': case 'o':
        emit_int(o, sp, fetch_unsigned(ap, sp->len), false);
        return true;
    case 'p':
        emit_int(o, sp, (uintptr_t)va_arg(*ap, void *), false);
        return true;
    case 's':
        emit_string(o, sp, va_arg(*ap, const char *));
        return true;
    case 'c':
        c = (char)va_arg(*ap, int);
        emit_field(o, sp, &c, 1);
        return true;
    case '%':
        o->putc(o->ctx, '%');
        return true;
    default:
        return false;
    }
}

void fmt_format(void (*putc)(void *ctx, char c), void *ctx, const char *fmt, va_list ap)
{
    const struct sink o = { putc, ctx };
    struct spec sp;
    va_list args;

    va_copy(args, ap);                  /* so it can be passed by pointer */
    while (*fmt) {
        const char *start = fmt;

        if (*fmt != '%') {
            putc(ctx, *fmt++);
            continue;
        }
        fmt++;
        parse_spec(&fmt, &args, &sp);
        if (!convert(&o, &sp, &args))
            emit_n(&o, start, (size_t)(fmt - start));   /* print it as written */
    }
    va_end(args);
}

struct buf_sink {
    char *buf;
    size_t size;
    size_t len;     /* characters produced, including those that did not fit */
};

static void buf_putc(void *ctx, char c)
{
    struct buf_sink *b = ctx;

    if (b->len + 1 < b->size)
        b->buf[b->len] = c;
    b->len++;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct buf_sink b = { buf, size, 0 };

    fmt_format(buf_putc, &b, fmt, ap);
    if (size)
        buf[MIN(b.len, size - 1)] = '\0';
    return b.len > INT32_MAX ? INT32_MAX : (int)b.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
