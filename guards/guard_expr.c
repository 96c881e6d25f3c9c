/* guards/guard_expr.c — the registered guard-expression compiler (guards/guard_expr.h). */
#include "guards/guard_expr.h"
#include "kernel/kerr.h"
#include "kernel/klib.h"

static const struct guard_expr_ops *compiler;

void guard_expr_register(const struct guard_expr_ops *ops)
{
    compiler = ops;
}

int guard_expr_compile(const char *expr, const struct kevent *ev, const struct kguard **guard,
                       void **handle, char *err, size_t errlen)
{
    if (!compiler) {
        ksnprintf(err, errlen,
                  "guard expressions are not supported on this target "
                  "(tcpdump expressions need the hosted build's libpcap)");
        return -KE_NOTSUP;
    }
    return compiler->compile(expr, ev, guard, handle, err, errlen);
}

void guard_expr_free(void *handle)
{
    if (compiler && handle)
        compiler->free(handle);
}
