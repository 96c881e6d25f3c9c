/*
 * apps/console/serial.c — the console session on the target's console
 * device (apps/console/serial.h). Freestanding.
 */
#include "apps/console/serial.h"
#include "kernel/arch.h"

static struct {
    bool ready;
    bool crlf;
    struct console_session session;
} serial;

/** serial_write - output to arch_console_write, "\n" as "\r\n" when asked. */
static void serial_write(void *ctx, const char *s, size_t n)
{
    if (!serial.crlf) {
        arch_console_write(s, n);
        return;
    }
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\n')
            continue;
        arch_console_write(s + start, i - start);
        arch_console_write("\r\n", 2);
        start = i + 1;
    }
    arch_console_write(s + start, n - start);
}

void console_serial_init(unsigned flags, bool crlf)
{
    serial.crlf = crlf;
    console_session_init(&serial.session, serial_write, NULL, flags);
    serial.ready = true;
    console_prompt(&serial.session);
}

enum console_status console_serial_poll(void)
{
    if (!serial.ready)
        return CONSOLE_OK;
    enum console_status result = CONSOLE_OK;
    for (unsigned budget = 0; budget < CONSOLE_SERIAL_BUDGET; budget++) {
        int c = arch_console_getc();
        if (c < 0)
            break;
        char b = (char)c;
        enum console_status st = console_feed(&serial.session, &b, 1);
        if (st == CONSOLE_SHUTDOWN)
            return st;
        if (st == CONSOLE_FAILED)
            result = st;
        /* CONSOLE_QUIT cannot happen: the session is CONSOLE_PERMANENT or stays open anyway */
    }
    return result;
}
