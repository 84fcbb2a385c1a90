/* camcast-bench e2e: N WebSocket clients in this process against a daemon
 * it starts (or one already running), measured over a time window. */
#ifndef CC_BENCH_E2E_H
#define CC_BENCH_E2E_H

#include <stdbool.h>

typedef struct cc_e2e_options {
    const char *daemon_path;  /* start this camcastd ... */
    const char *config_path;  /* ... with this config */
    const char *url;          /* or attach to this stream */
    const char *token;        /* access token every client presents, or NULL */
    int pid;                  /* the attached daemon, for /proc (0: none) */
    const char *label;        /* scenario name in the report */
    unsigned clients;         /* clients that read everything */
    unsigned stalled;         /* clients that never read once open */
    double seconds;           /* measurement window */
    double warmup;            /* before the window */
    const char *reference_path; /* camcast-microbench reference --json */
    bool json;
    bool verbose;             /* echo the daemon's log */
} cc_e2e_options;

/* Runs the benchmark and prints the report on stdout, progress on stderr.
 * Returns 0, or 1 when the run could not be done or the daemon did not
 * exit cleanly (the message is on stderr). */
int cc_e2e_run(const cc_e2e_options *o);

#endif
