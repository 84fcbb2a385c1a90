/* camcast-bench e2e: N WebSocket clients in this process against a daemon
 * it starts (or one already running), measured over a time window. */
#ifndef CC_BENCH_E2E_H
#define CC_BENCH_E2E_H

#include <stdbool.h>

#include "hello.h"

#define CC_E2E_MAX_GROUPS 8

/* --group COUNT[:variant=NAME][:max_fps=F][:read_rate=R][:window=N]
 *             [:hold=MS|:cpu=MS][:ack=parsed|done] */
typedef struct cc_e2e_group_opt {
    const char *spec;         /* as given, for the report */
    unsigned count;
    char variant[CC_BENCH_NAME_MAX]; /* "": the full frames */
    double max_fps;           /* 0: every tick */
    double read_rate;         /* 0: reads everything */
    unsigned window;          /* 0: no flow control */
    bool ack_when_done;       /* ack=done */
    double hold_ms, cpu_ms;   /* a slow consumer (0: not) */
} cc_e2e_group_opt;

typedef struct cc_e2e_options {
    const char *daemon_path;  /* start this camcastd ... */
    const char *config_path;  /* ... with this config */
    const char *url;          /* or attach to this stream */
    const char *token;        /* access token every client presents, or NULL */
    int pid;                  /* the attached daemon, for /proc (0: none) */
    const char *label;        /* scenario name in the report */
    unsigned clients;         /* clients that read everything, as sent */
    cc_e2e_group_opt groups[CC_E2E_MAX_GROUPS]; /* clients that subscribe */
    unsigned n_groups;
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
