#include "daemon_proc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void on_exit_cb(uv_process_t *p, int64_t status, int term_signal)
{
    cc_daemon_proc *d = p->data;
    d->exited = true;
    d->exit_status = status;
    d->term_signal = term_signal;
    uv_close((uv_handle_t *)p, NULL);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    cc_daemon_proc *d = h->data;
    static char sink[4096]; /* once the log is full, the rest is dropped */
    size_t room = CC_DAEMON_LOG_MAX - 1 - d->log_len;
    if (room == 0)
        *buf = uv_buf_init(sink, sizeof sink);
    else
        *buf = uv_buf_init(d->log + d->log_len, (unsigned)room);
}

static void find_url(cc_daemon_proc *d, const char *line)
{
    const char *p = strstr(line, "streaming on ws://");
    if (d->url[0] || !p)
        return;
    p += strlen("streaming on ");
    size_t n = strcspn(p, " ");
    snprintf(d->url, sizeof d->url, "%.*s", (int)n, p);
}

/* Each complete line: echoed, and searched for the URL. */
static void scan_lines(cc_daemon_proc *d)
{
    char *nl;
    while ((nl = memchr(d->log + d->line_start, '\n', d->log_len - d->line_start))) {
        char *line = d->log + d->line_start;
        *nl = '\0';
        find_url(d, line);
        if (d->echo)
            fprintf(stderr, "  | %s\n", line);
        *nl = '\n';
        d->line_start = (size_t)(nl + 1 - d->log);
    }
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    cc_daemon_proc *d = st->data;
    if (n < 0) {
        d->err_closed = true;
        uv_close((uv_handle_t *)st, NULL);
        return;
    }
    if (buf->base != d->log + d->log_len)
        return;
    d->log_len += (size_t)n;
    d->log[d->log_len] = '\0';
    scan_lines(d);
}

int cc_daemon_proc_start(cc_daemon_proc *d, uv_loop_t *loop, const char *exe,
                         const char *config, bool echo)
{
    memset(d, 0, sizeof *d);
    d->echo = echo;
    d->log = malloc(CC_DAEMON_LOG_MAX);
    if (!d->log)
        return -ENOMEM;
    d->log[0] = '\0';
    char *args[] = {(char *)exe, "--config", (char *)config, "--listen",
                    "127.0.0.1:0", NULL};
    uv_stdio_container_t stdio[3] = {
        {.flags = UV_IGNORE},
        {.flags = UV_INHERIT_FD, .data.fd = 2},
        {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&d->err},
    };
    uv_process_options_t opt = {.exit_cb = on_exit_cb, .file = exe, .args = args,
                                .stdio_count = 3, .stdio = stdio};
    uv_pipe_init(loop, &d->err, 0);
    d->err.data = d->proc.data = d;
    int rc = uv_spawn(loop, &d->proc, &opt);
    if (rc < 0) {
        uv_close((uv_handle_t *)&d->err, NULL);
        uv_run(loop, UV_RUN_NOWAIT);
        free(d->log);
        d->log = NULL;
        return rc;
    }
    uv_read_start((uv_stream_t *)&d->err, on_alloc, on_read);
    return 0;
}

int cc_daemon_proc_pid(const cc_daemon_proc *d)
{
    return d->proc.pid;
}

void cc_daemon_proc_terminate(cc_daemon_proc *d)
{
    if (!d->exited && !d->terminated)
        uv_process_kill(&d->proc, SIGTERM);
    d->terminated = true;
}

void cc_daemon_proc_kill(cc_daemon_proc *d)
{
    if (!d->exited)
        uv_process_kill(&d->proc, SIGKILL);
}

bool cc_daemon_proc_done(const cc_daemon_proc *d)
{
    return d->exited && d->err_closed;
}

void cc_daemon_proc_destroy(cc_daemon_proc *d)
{
    free(d->log);
    d->log = NULL;
}
