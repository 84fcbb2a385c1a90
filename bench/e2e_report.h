/* The e2e benchmark's figures, derived once from what the run collected,
 * then printed as a table or as JSON. */
#ifndef CC_BENCH_E2E_REPORT_H
#define CC_BENCH_E2E_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bench_client.h"
#include "proc_stats.h"
#include "reference.h"

/* What the run collected. */
typedef struct cc_e2e_input {
    const char *label;
    const char *url;
    double window_s;
    const cc_bench_shared *shared;
    const cc_bench_client *clients;
    unsigned n_clients;
    unsigned normal_open_at_end, stalled_open_at_end;
    uint64_t bytes_window;           /* all clients */
    double self_cpu_s;               /* this process, in the window */
    int pid;                         /* 0: daemon not observed */
    cc_proc_sample d0, d1;           /* daemon at window start and end */
    cc_machine_sample m0, m1;        /* the whole machine, the same */
    const cc_reference *ref;         /* NULL: no encode reference */
    bool own_daemon, exited;
    int64_t exit_status;
    int term_signal;
    unsigned cores;
} cc_e2e_input;

typedef struct cc_e2e_camera {
    uint64_t entries;
    double capture_ms[4];  /* capture -> receive, all clients */
    double grab_fps, stream_fps, dropped_per_s, jpeg_kb;
    int64_t lost;      /* frame ids neither streamed nor counted as dropped */
} cc_e2e_camera;

typedef struct cc_e2e_summary {
    unsigned normal, stalled;
    double bps_min, bps_median, bps_max; /* bundles/s of each normal client */
    uint64_t gaps, malformed;
    unsigned clients_with_gaps;
    const cc_bench_client *ref_client;   /* most entries: full subscription */
    cc_e2e_camera cams[CC_BENCH_MAX_CAMERAS];
    double capture_ms[4], mux_ms[4];     /* p50, p90, p99, max */
    double capture_mux_ms[4];
    double mb_per_s, bundle_kb;
    bool have_daemon;
    double cpu_pct, encode_pct, grab_pct, other_pct, sys_pct;
    double other_sys_pct; /* the kernel part of other_pct */
    uint64_t rss_start_kb, rss_end_kb, hwm_kb;
    bool have_efficiency;
    uint64_t frames;                     /* entries of the reference client */
    double frames_per_cpu_s, ref_frames_per_cpu_s;
    double efficiency, encoder_efficiency;
    double beyond_pct;                   /* daemon CPU not encoding, % of a core */
    double ceiling_bps, ceiling_ratio;   /* bundles/s all cores could encode */
    double self_pct, self_ms_per_mb;
    double other_load_pct;               /* CPU of other processes, % of a core */
    double irq_pct;                      /* interrupts, softirq */
    double idle_pct;                     /* % of a core, summed over cores */
    double steal_pct;                    /* stolen by the hypervisor */
} cc_e2e_summary;

void cc_e2e_summarize(const cc_e2e_input *in, cc_e2e_summary *s);
void cc_e2e_print_table(const cc_e2e_input *in, const cc_e2e_summary *s, FILE *out);
/* Returns 0 or -ENOMEM. */
int cc_e2e_print_json(const cc_e2e_input *in, const cc_e2e_summary *s, FILE *out);

#endif
