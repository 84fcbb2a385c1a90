/* CPU time and memory of a process from /proc, split by thread name:
 * camcastd names its threads "jpeg-N" (encoders) and "grab-NAME" (cameras);
 * the rest is the event loop. */
#ifndef CC_BENCH_PROC_STATS_H
#define CC_BENCH_PROC_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct cc_proc_sample {
    bool ok;
    double wall_s;     /* CLOCK_MONOTONIC when sampled */
    double cpu_s;      /* user + system, all threads (/proc/PID/stat) */
    double sys_s;      /* the system part: syscalls, e.g. socket copies */
    double encode_s;   /* threads named jpeg-* */
    double grab_s;     /* threads named grab-* */
    double other_sys_s; /* system part of the others: the event loop's
                           socket writes */
    uint64_t rss_kb;   /* VmRSS */
    uint64_t hwm_kb;   /* VmHWM: peak RSS */
} cc_proc_sample;

/* Returns 0, or a negative errno when the process cannot be read. */
int cc_proc_sample_take(pid_t pid, cc_proc_sample *s);

/* The whole machine (/proc/stat), CPU seconds over all cores: busy in
 * processes (user, nice, system), in interrupts (irq, softirq: loopback TCP
 * is processed there), stolen by the hypervisor, idle (with iowait). */
typedef struct cc_machine_sample {
    double busy_s, irq_s, steal_s, idle_s;
} cc_machine_sample;
int cc_machine_sample_take(cc_machine_sample *s);

/* CPU seconds this process used so far (getrusage). */
double cc_self_cpu_s(void);
/* CPU seconds the calling thread used so far. */
double cc_thread_cpu_s(void);
double cc_mono_s(void);

#endif
