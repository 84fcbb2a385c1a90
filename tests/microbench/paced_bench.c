#include "paced_bench.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "capture/source.h"
#include "config/config.h"

enum { WARMUP_TICKS = 5, MAX_CAMS = CC_MAX_CAMERAS, MAX_WORKERS = 64, HW_EVENTS = 3 };

/* The tick's jobs report back here. */
typedef struct runner {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned left;         /* jobs of the tick not done, guarded by lock */
    uint64_t last_done_ns; /* guarded by lock */
} runner;

typedef struct spinners {
    pthread_t threads[MAX_WORKERS];
    unsigned n;
    atomic_bool run;
    size_t evict_bytes;
} spinners;

typedef struct bench {
    const cc_paced_opts *o;
    cc_paced_result *r;
    cc_source *src[MAX_CAMS];
    unsigned skip[MAX_CAMS];   /* grabs per tick: grab_fps / fps */
    cc_frame frame[MAX_CAMS];
    cc_encode_job jobs[MAX_CAMS];
    unsigned n_cams, n_jobs;
    cc_encoder *enc;
    runner run;
    int hw_fd[MAX_WORKERS][HW_EVENTS];
    int worker_cpu[MAX_WORKERS]; /* CPU of each worker's last strip, -1 */
    uint8_t *evict;
    spinners spin;
} bench;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t ns)
{
    struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000u),
                          .tv_nsec = (long)(ns % 1000000000u)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static void on_done(cc_encode_job *job, void *arg)
{
    (void)job;
    runner *r = arg;
    uint64_t now = now_ns();
    pthread_mutex_lock(&r->lock);
    r->last_done_ns = now;
    if (--r->left == 0)
        pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

/* ---- the workers' threads: /proc and perf ---- */

static void read_schedstat(int tid, cc_paced_threads *t)
{
    char path[96];
    snprintf(path, sizeof path, "/proc/self/task/%d/schedstat", tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    unsigned long long run = 0, wait = 0;
    if (fscanf(f, "%llu %llu", &run, &wait) == 2) {
        t->run_ns += run;
        t->wait_ns += wait;
    }
    fclose(f);
}

static void read_sched(int tid, cc_paced_threads *t)
{
    char path[96], line[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/sched", tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        unsigned long long v;
        if (sscanf(line, "se.nr_migrations : %llu", &v) == 1)
            t->migrations += v;
        else if (sscanf(line, "nr_voluntary_switches : %llu", &v) == 1)
            t->voluntary += v;
        else if (sscanf(line, "nr_involuntary_switches : %llu", &v) == 1)
            t->involuntary += v;
    }
    fclose(f);
}

static void sample(bench *b, cc_paced_threads *t, cc_encoder_worker_stats *pool,
                   cc_paced_hw *hw)
{
    *t = (cc_paced_threads){0};
    *pool = (cc_encoder_worker_stats){0};
    *hw = (cc_paced_hw){.ok = b->r->hw_why[0] == '\0'};
    for (unsigned i = 0; i < b->r->workers; i++) {
        cc_encoder_worker_stats s;
        cc_encoder_worker_stats_get(b->enc, i, &s);
        read_schedstat(s.tid, t);
        read_sched(s.tid, t);
        pool->strips += s.strips;
        pool->sleeps += s.sleeps;
        pool->empty_wakes += s.empty_wakes;
        pool->polls += s.polls;
        pool->poll_hits += s.poll_hits;
        pool->poll_ns += s.poll_ns;
        pool->idle_strips += s.idle_strips;
        pool->idle_wait_ns += s.idle_wait_ns;
        uint64_t *sums[HW_EVENTS] = {&hw->cycles, &hw->instructions, &hw->cache_misses};
        for (int e = 0; hw->ok && e < HW_EVENTS; e++) {
            uint64_t v;
            if (read(b->hw_fd[i][e], &v, sizeof v) == sizeof v)
                *sums[e] += v;
            else
                hw->ok = false;
        }
    }
}

/* Counts of user-space work on each worker's thread, if the machine has
 * hardware counters (a VM often has none). */
static void open_hw(bench *b)
{
    static const uint64_t events[HW_EVENTS] = {
        PERF_COUNT_HW_CPU_CYCLES, PERF_COUNT_HW_INSTRUCTIONS, PERF_COUNT_HW_CACHE_MISSES};
    for (unsigned i = 0; i < MAX_WORKERS; i++)
        for (int e = 0; e < HW_EVENTS; e++)
            b->hw_fd[i][e] = -1;
    for (unsigned i = 0; i < b->r->workers; i++) {
        cc_encoder_worker_stats s;
        cc_encoder_worker_stats_get(b->enc, i, &s);
        for (int e = 0; e < HW_EVENTS; e++) {
            struct perf_event_attr a = {.type = PERF_TYPE_HARDWARE, .size = sizeof a,
                                        .config = events[e], .exclude_kernel = 1,
                                        .exclude_hv = 1};
            long fd = syscall(SYS_perf_event_open, &a, s.tid, -1, -1, 0);
            if (fd < 0) {
                snprintf(b->r->hw_why, sizeof b->r->hw_why, "perf_event_open: %s",
                         strerror(errno));
                return;
            }
            b->hw_fd[i][e] = (int)fd;
        }
    }
}

static void close_hw(bench *b)
{
    for (unsigned i = 0; i < MAX_WORKERS; i++)
        for (int e = 0; e < HW_EVENTS; e++)
            if (b->hw_fd[i][e] >= 0)
                close(b->hw_fd[i][e]);
}

/* ---- keeping the CPUs awake ---- */

static void sweep(uint8_t *buf, size_t bytes)
{
    volatile uint8_t *p = buf;
    for (size_t i = 0; i < bytes; i += 64)
        p[i]++;
}

static void *spin_main(void *arg)
{
    bench *b = arg;
    struct sched_param sp = {0};
    pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp);
    uint8_t *buf = b->spin.evict_bytes ? calloc(1, b->spin.evict_bytes) : NULL;
    while (atomic_load_explicit(&b->spin.run, memory_order_relaxed)) {
        if (buf)
            sweep(buf, b->spin.evict_bytes);
        else
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#else
            ;
#endif
    }
    free(buf);
    return NULL;
}

/* One SCHED_IDLE thread pinned on each CPU: whenever nothing else runs
 * there, it spins, so the CPU never idles (halts). */
static int spinners_start(bench *b)
{
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return -errno;
    atomic_store(&b->spin.run, true);
    b->spin.evict_bytes = (size_t)b->o->evict_kb * 1024;
    b->spin.n = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && b->spin.n < MAX_WORKERS; cpu++) {
        if (!CPU_ISSET(cpu, &allowed))
            continue;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        pthread_attr_setaffinity_np(&attr, sizeof one, &one);
        int rc = pthread_create(&b->spin.threads[b->spin.n], &attr, spin_main, b);
        pthread_attr_destroy(&attr);
        if (rc)
            return -rc;
        b->spin.n++;
    }
    return 0;
}

static void spinners_stop(bench *b)
{
    atomic_store(&b->spin.run, false);
    for (unsigned i = 0; i < b->spin.n; i++)
        pthread_join(b->spin.threads[i], NULL);
    b->spin.n = 0;
}

/* ---- one tick ---- */

static void submit_tick(bench *b)
{
    for (unsigned i = 0; i < b->n_cams; i++)
        for (unsigned k = 0; k < b->skip[i]; k++)
            cc_source_grab(b->src[i], &b->frame[i], -1); /* never blocks: 1e9 fps */
    pthread_mutex_lock(&b->run.lock);
    b->run.left = b->n_jobs;
    pthread_mutex_unlock(&b->run.lock);
    if (b->o->tuning.unbatched) {
        for (unsigned i = 0; i < b->n_jobs; i++)
            cc_encoder_submit(b->enc, &b->jobs[i]);
        return;
    }
    cc_encode_batch batch;
    cc_encode_batch_init(&batch);
    for (unsigned i = 0; i < b->n_jobs; i++)
        cc_encode_batch_add(&batch, &b->jobs[i]);
    cc_encoder_submit_batch(b->enc, &batch);
}

static uint64_t wait_tick(bench *b)
{
    pthread_mutex_lock(&b->run.lock);
    while (b->run.left > 0)
        pthread_cond_wait(&b->run.cond, &b->run.lock);
    uint64_t done = b->run.last_done_ns;
    pthread_mutex_unlock(&b->run.lock);
    return done;
}

/* The tick's strips, as the workers reported them in the parts. */
static void account(bench *b, cc_paced_phase *ph, int submit_cpu, uint64_t done_ns)
{
    uint64_t submit = UINT64_MAX, first = UINT64_MAX;
    uint64_t worker_first[MAX_WORKERS];
    const cc_encode_part *first_part[MAX_WORKERS] = {0};
    for (unsigned w = 0; w < b->r->workers; w++)
        worker_first[w] = UINT64_MAX;
    for (unsigned j = 0; j < b->n_jobs; j++) {
        const cc_encode_job *job = &b->jobs[j];
        ph->strip_ns += job->encode_ns;
        ph->paint_ns += job->convert_ns;
        for (unsigned k = 0; k < cc_encode_job_parts(job); k++) {
            const cc_encode_part *p = &job->parts[k];
            submit = p->queued_ns < submit ? p->queued_ns : submit;
            first = p->start_ns < first ? p->start_ns : first;
            if (p->how >= 0 && p->how < 3)
                ph->strips[p->how]++;
            if (p->start_ns < worker_first[p->worker]) {
                worker_first[p->worker] = p->start_ns;
                first_part[p->worker] = p;
            }
        }
    }
    ph->frames += b->n_jobs;
    ph->ticks++;
    cc_hist_add(&ph->tick_ns, done_ns > submit ? done_ns - submit : 0);
    cc_hist_add(&ph->first_ns, first > submit ? first - submit : 0);
    for (unsigned w = 0; w < b->r->workers; w++) {
        const cc_encode_part *p = first_part[w];
        if (!p)
            continue;
        cc_hist_add(&ph->wake_ns, p->start_ns > submit ? p->start_ns - submit : 0);
        if (p->how == CC_STRIP_WOKEN) {
            ph->woken_first++;
            ph->woken_here += p->cpu == submit_cpu;
        }
    }
    /* Moves between CPUs, strip after strip of each worker, in start order. */
    for (unsigned w = 0; w < b->r->workers; w++) {
        uint64_t after = 0;
        for (;;) {
            const cc_encode_part *next = NULL;
            for (unsigned j = 0; j < b->n_jobs; j++)
                for (unsigned k = 0; k < cc_encode_job_parts(&b->jobs[j]); k++) {
                    const cc_encode_part *p = &b->jobs[j].parts[k];
                    if (p->worker == w && p->start_ns > after &&
                        (!next || p->start_ns < next->start_ns))
                        next = p;
                }
            if (!next)
                break;
            if (b->worker_cpu[w] >= 0 && next->cpu != b->worker_cpu[w])
                ph->strip_moves++;
            b->worker_cpu[w] = next->cpu;
            after = next->start_ns;
        }
    }
}

static bool phase_over(const cc_paced_opts *o, const cc_paced_phase *ph, uint64_t t0)
{
    if (o->ticks)
        return ph->ticks >= o->ticks;
    return (double)(now_ns() - t0) / 1e9 >= o->seconds;
}

static void run_phase(bench *b, bool paced, cc_paced_phase *ph)
{
    const cc_paced_opts *o = b->o;
    uint64_t period = (uint64_t)(1e9 / b->r->fps);
    cc_hist_reset(&ph->tick_ns);
    cc_hist_reset(&ph->wake_ns);
    cc_hist_reset(&ph->first_ns);
    cc_hist_reset(&ph->late_ns);
    cc_paced_threads t0;
    cc_encoder_worker_stats p0;
    cc_paced_hw h0;
    uint64_t due = now_ns(), start = 0;
    for (uint64_t k = 0;; k++) {
        if (k == WARMUP_TICKS) {
            sample(b, &t0, &p0, &h0);
            start = now_ns();
        }
        if (k >= WARMUP_TICKS && phase_over(o, ph, start))
            break;
        if (paced) {
            due += period;
            uint64_t now = now_ns();
            if (now < due)
                sleep_until(due);
            else if (k >= WARMUP_TICKS && now > due + period / 2)
                ph->late_ticks++;
            if (now > due + period)
                due = now; /* far behind: do not burst */
        }
        int cpu = sched_getcpu();
        submit_tick(b);
        if (paced)
            cc_encoder_expect(b->enc, due + period);
        uint64_t done = wait_tick(b);
        if (k >= WARMUP_TICKS)
            account(b, ph, cpu, done);
        uint64_t queued = b->jobs[0].parts[0].queued_ns;
        if (paced && k >= WARMUP_TICKS)
            cc_hist_add(&ph->late_ns, queued > due ? queued - due : 0);
        if (b->evict && !o->keep_awake)
            sweep(b->evict, (size_t)o->evict_kb * 1024);
    }
    ph->wall_s = (double)(now_ns() - start) / 1e9;
    cc_paced_threads t1;
    cc_encoder_worker_stats p1;
    cc_paced_hw h1;
    sample(b, &t1, &p1, &h1);
    ph->threads = (cc_paced_threads){
        .run_ns = t1.run_ns - t0.run_ns, .wait_ns = t1.wait_ns - t0.wait_ns,
        .voluntary = t1.voluntary - t0.voluntary,
        .involuntary = t1.involuntary - t0.involuntary,
        .migrations = t1.migrations - t0.migrations};
    ph->pool = (cc_encoder_worker_stats){
        .strips = p1.strips - p0.strips, .sleeps = p1.sleeps - p0.sleeps,
        .empty_wakes = p1.empty_wakes - p0.empty_wakes, .polls = p1.polls - p0.polls,
        .poll_hits = p1.poll_hits - p0.poll_hits, .poll_ns = p1.poll_ns - p0.poll_ns,
        .idle_strips = p1.idle_strips - p0.idle_strips,
        .idle_wait_ns = p1.idle_wait_ns - p0.idle_wait_ns};
    ph->hw = (cc_paced_hw){.ok = h0.ok && h1.ok,
                           .cycles = h1.cycles - h0.cycles,
                           .instructions = h1.instructions - h0.instructions,
                           .cache_misses = h1.cache_misses - h0.cache_misses};
    ph->ran = true;
    cc_encoder_expect(b->enc, 0); /* no tick comes */
}

/* ---- set-up ---- */

static int open_cameras(bench *b, const cc_config *cfg, double fps, char *err,
                        size_t errlen)
{
    for (size_t i = 0; i < cfg->n_cameras; i++) {
        cc_camera_config c = cfg->cameras[i];
        if (c.source != CC_SOURCE_TESTPATTERN) {
            snprintf(err, errlen, "camera %s: only test patterns can be measured",
                     c.name);
            return -EINVAL;
        }
        double grab = c.grab_fps;
        long skip = (long)(grab / fps + 0.5);
        b->skip[i] = skip < 1 ? 1 : (unsigned)skip;
        c.grab_fps = 1e9; /* grab() records the next position at once */
        int rc = cc_testpattern_new(&b->src[i], &c);
        if (rc < 0)
            return rc;
        b->n_cams++;
        if (i == 0)
            b->r->grab_fps = grab;
    }
    return b->n_cams ? 0 : -EINVAL;
}

static int make_jobs(bench *b, const cc_config *cfg)
{
    for (unsigned i = 0; i < b->n_cams; i++) {
        const cc_source *s = b->src[i];
        cc_encode_opts opts = {.painted = s->painted, .max_parts = b->r->strips};
        int rc = cc_encode_job_init(&b->jobs[i], s->width, s->height, s->fmt, &opts);
        if (rc < 0)
            return rc;
        b->n_jobs++;
        b->jobs[i].frame = &b->frame[i];
        b->jobs[i].quality = cfg->server.jpeg_quality;
        b->jobs[i].done = on_done;
        b->jobs[i].arg = &b->run;
    }
    return 0;
}

static void teardown(bench *b)
{
    cc_encoder_free(b->enc);
    close_hw(b);
    for (unsigned i = 0; i < b->n_jobs; i++)
        cc_encode_job_destroy(&b->jobs[i]);
    for (unsigned i = 0; i < b->n_cams; i++)
        cc_source_free(b->src[i]);
    free(b->evict);
    pthread_mutex_destroy(&b->run.lock);
    pthread_cond_destroy(&b->run.cond);
}

static int setup(bench *b, const cc_config *cfg, char *err, size_t errlen)
{
    const cc_paced_opts *o = b->o;
    cc_paced_result *r = b->r;
    r->fps = o->fps > 0 ? o->fps : cfg->server.stream_fps;
    int rc = open_cameras(b, cfg, r->fps, err, errlen);
    if (rc < 0)
        return rc;
    unsigned threads = o->threads ? o->threads : cfg->server.encoder_workers;
    rc = cc_encoder_new_tuned(&b->enc, threads, &o->tuning);
    if (rc < 0)
        return rc;
    r->cameras = b->n_cams;
    r->workers = cc_encoder_workers(b->enc);
    if (r->workers > MAX_WORKERS)
        return -EINVAL;
    /* As the mux splits (src/tick/mux.c strips_per_frame). */
    unsigned strips = o->strips ? o->strips : o->tuning.strips;
    r->strips = strips ? strips : cc_encode_even_strips(b->n_cams, r->workers);
    rc = make_jobs(b, cfg);
    if (rc < 0)
        return rc;
    r->strips = cc_encode_job_parts(&b->jobs[0]);
    for (unsigned w = 0; w < MAX_WORKERS; w++)
        b->worker_cpu[w] = -1;
    open_hw(b);
    if (o->evict_kb && !o->keep_awake && !(b->evict = calloc(1, (size_t)o->evict_kb * 1024)))
        return -ENOMEM;
    return 0;
}

int cc_paced_run(const cc_paced_opts *o, cc_paced_result *r, char *err, size_t errlen)
{
    cc_config cfg;
    int rc = cc_config_load(&cfg, o->config, err, errlen);
    if (rc < 0)
        return rc;
    memset(r, 0, sizeof *r);
    bench *b = calloc(1, sizeof *b);
    if (!b) {
        cc_config_destroy(&cfg);
        return -ENOMEM;
    }
    b->o = o;
    b->r = r;
    pthread_mutex_init(&b->run.lock, NULL);
    pthread_cond_init(&b->run.cond, NULL);
    rc = setup(b, &cfg, err, errlen);
    if (rc == 0 && o->busy)
        run_phase(b, false, &r->busy);
    if (rc == 0 && o->paced) {
        if (o->keep_awake)
            rc = spinners_start(b);
        if (rc == 0)
            run_phase(b, true, &r->paced);
        spinners_stop(b);
    }
    teardown(b);
    free(b);
    cc_config_destroy(&cfg);
    return rc;
}
