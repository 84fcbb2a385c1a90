/* camcastd as a child process on a libuv loop: spawned on a free port of
 * 127.0.0.1, its stderr kept (and optionally echoed), its stream URL taken
 * from the startup line, its exit status collected. */
#ifndef CC_BENCH_DAEMON_PROC_H
#define CC_BENCH_DAEMON_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define CC_DAEMON_LOG_MAX (256 * 1024)

typedef struct cc_daemon_proc {
    uv_process_t proc;
    uv_pipe_t err;
    bool echo;           /* copy its stderr lines to ours */
    bool exited, err_closed, terminated;
    int64_t exit_status;
    int term_signal;
    char url[160];       /* "" until the startup line was seen */
    char *log;           /* stderr, NUL terminated, at most CC_DAEMON_LOG_MAX */
    size_t log_len;
    size_t line_start;   /* where the line being received starts in log */
} cc_daemon_proc;

/* Spawns "exe --config config --listen 127.0.0.1:0". Returns 0 or a
 * negative error (nothing to clean up then). */
int cc_daemon_proc_start(cc_daemon_proc *d, uv_loop_t *loop, const char *exe,
                         const char *config, bool echo);
int cc_daemon_proc_pid(const cc_daemon_proc *d);
/* SIGTERM, once: a second one during shutdown would kill it. */
void cc_daemon_proc_terminate(cc_daemon_proc *d);
void cc_daemon_proc_kill(cc_daemon_proc *d);
/* Exited and its stderr fully read (handles closing). */
bool cc_daemon_proc_done(const cc_daemon_proc *d);
/* After done: frees the log. */
void cc_daemon_proc_destroy(cc_daemon_proc *d);

#endif
