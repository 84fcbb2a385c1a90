/* The e2e benchmark's figures, derived once from what the run collected,
 * then printed as a table or as JSON. */
#ifndef CC_BENCH_E2E_REPORT_H
#define CC_BENCH_E2E_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bench_client.h"
#include "daemon_stats.h"
#include "e2e.h"
#include "proc_stats.h"
#include "reference.h"

/* One group of reading clients, as run. */
typedef struct cc_e2e_group_in {
    const char *spec;                /* "plain", or --group's text */
    bool plain;                      /* --clients: no subscription */
    const cc_bench_group *group;
    const cc_bench_client *clients;  /* its own */
    unsigned n;
    unsigned open_at_end;
} cc_e2e_group_in;

/* What the run collected. */
typedef struct cc_e2e_input {
    const char *label;
    const char *url;
    double window_s;
    const cc_bench_shared *shared;
    const cc_bench_client *clients;  /* every client, the stalled ones last */
    unsigned n_clients;
    /* The reading clients by group; the first is the primary: the plain
     * clients, or with --clients 0 the first --group. */
    const cc_e2e_group_in *groups;
    unsigned n_groups;
    unsigned stalled_open_at_end;
    /* The daemon's /stats just before and after the window (NULL: not
     * read: the hello lists no variants, or it failed). */
    const cc_daemon_stats *stats0, *stats1;
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

typedef struct cc_e2e_group_sum {
    unsigned count, open_at_end;
    double bps_min, bps_median, bps_max;
    double expected_bps;                 /* its subscription's rate */
    uint64_t gaps, skips, malformed;
    uint64_t step_min;                   /* smallest bundle_seq step of a client */
    unsigned clients_with_skips, sub_errors;
    const char *sub_error;               /* the first, or NULL */
    double capture_ms[4], mux_ms[4];     /* p50, p90, p99, max */
    double mb_per_s, client_mb_per_s;    /* the group's, and per client (median) */
    double bundle_kb;
    double read_rate_mb_per_s;           /* what a throttled reader held (mean) */
    cc_entry_size sizes[CC_BENCH_MAX_SIZES]; /* entry sizes seen */
    unsigned n_sizes;
    bool more_sizes;
} cc_e2e_group_sum;

/* A variant's encodes in the window, from the daemon's /stats. */
typedef struct cc_e2e_variant_sum {
    const char *name;
    double clients;                      /* at the end of the window */
    double ticks, encoded;
    double encode_ms_mean, convert_ms_mean; /* per entry; convert: -1 unknown */
    double jpeg_kb;                      /* per entry */
    double cost_vs_full;                 /* encode_ms_mean over full's */
    double run_encode_ms_mean;           /* the daemon's own, whole run */
} cc_e2e_variant_sum;

typedef struct cc_e2e_summary {
    unsigned normal, stalled;
    double bps_min, bps_median, bps_max; /* bundles/s of each normal client */
    uint64_t gaps, malformed;
    unsigned clients_with_gaps;
    const cc_bench_client *ref_client;   /* most entries: full subscription */
    cc_e2e_camera cams[CC_BENCH_MAX_CAMERAS];
    double capture_ms[4], mux_ms[4];     /* p50, p90, p99, max */
    double capture_mux_ms[4];
    double sync_spread_ms[4];   /* a bundle's device times, apart */
    double device_mux_ms[4];    /* a frame's device time -> mux */
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
    unsigned normal_open_at_end;         /* of the primary group */
    cc_e2e_group_sum groups[1 + CC_E2E_MAX_GROUPS];
    size_t n_variants;                   /* 0: no /stats */
    cc_e2e_variant_sum variants[CC_BENCH_MAX_VARIANTS];
    bool encode_from_stats;              /* efficiency from /stats' counts */
} cc_e2e_summary;

void cc_e2e_summarize(const cc_e2e_input *in, cc_e2e_summary *s);
void cc_e2e_print_table(const cc_e2e_input *in, const cc_e2e_summary *s, FILE *out);
/* Returns 0 or -ENOMEM. */
int cc_e2e_print_json(const cc_e2e_input *in, const cc_e2e_summary *s, FILE *out);

#endif
