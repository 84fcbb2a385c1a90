/* The encoder's idle tax: the daemon's tick (a config's test-pattern
 * cameras, painted by the workers, split in strips as the mux splits them,
 * submitted together) run through the daemon's encoder pool back to back,
 * then paced at the stream's rate, with the workers' own figures for each:
 * CPU per frame, the wake-up from the submit to each worker's first strip,
 * context switches, migrations, and cycles and instructions where the
 * machine has performance counters (docs/performance.md, "The encoder's
 * idle tax"). */
#ifndef CC_BENCH_PACED_H
#define CC_BENCH_PACED_H

#include <stdbool.h>
#include <stdint.h>

#include "encode/encoder.h"
#include "hist.h"

typedef struct cc_paced_opts {
    const char *config;   /* the daemon's config: cameras, stream_fps, quality,
                             encoder_workers */
    double fps;           /* 0: the config's stream_fps */
    unsigned threads;     /* 0: the config's encoder_workers (0: cores) */
    unsigned strips;      /* 0: as the mux (tuning.strips, else workers / gcd) */
    double seconds;       /* per phase */
    uint64_t ticks;       /* per phase instead, if not 0 */
    bool busy, paced;     /* the phases to run */
    bool keep_awake;      /* SCHED_IDLE spinners keep every CPU from idling */
    unsigned evict_kb;    /* swept between ticks (with keep_awake: by the
                             spinners, all the time) */
    cc_encoder_tuning tuning;
} cc_paced_opts;

/* Summed over the workers' threads, from /proc/self/task/TID. */
typedef struct cc_paced_threads {
    uint64_t run_ns, wait_ns;  /* schedstat: on a CPU, runnable but waiting */
    uint64_t voluntary, involuntary, migrations;
} cc_paced_threads;

/* Hardware counters of the workers (perf_event_open), if any. */
typedef struct cc_paced_hw {
    bool ok;
    uint64_t cycles, instructions, cache_misses;
} cc_paced_hw;

typedef struct cc_paced_phase {
    bool ran;
    uint64_t ticks, frames;
    double wall_s;
    cc_paced_threads threads;
    cc_encoder_worker_stats pool;  /* summed over the workers */
    cc_paced_hw hw;
    uint64_t strip_ns, paint_ns;   /* sums of the jobs' encode_ns, convert_ns */
    uint64_t strips[3];            /* by cc_strip_taken */
    uint64_t strip_moves;          /* strips on another CPU than the
                                      worker's previous one */
    uint64_t woken_here;           /* a worker's first strip after sleeping,
                                      on the CPU that submitted it */
    uint64_t woken_first;          /* a worker's first strips after sleeping */
    uint64_t late_ticks;           /* paced: ticks started after their time */
    cc_hist tick_ns;   /* submit -> the tick's last job done */
    cc_hist wake_ns;   /* submit -> a worker's first strip of the tick */
    cc_hist first_ns;  /* submit -> the tick's first strip */
    cc_hist late_ns;   /* paced: the tick's time -> its submit */
} cc_paced_phase;

typedef struct cc_paced_result {
    double fps;
    unsigned cameras, workers, strips;
    double grab_fps;              /* the first camera's: frame age at the tick */
    char hw_why[96];              /* why no hardware counters, or "" */
    cc_paced_phase busy, paced;
} cc_paced_result;

/* Returns 0 or a negative errno; err says what for a bad config. */
int cc_paced_run(const cc_paced_opts *o, cc_paced_result *r, char *err,
                 size_t errlen);

#endif
