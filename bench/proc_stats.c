#include "proc_stats.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double ts_s(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double cc_mono_s(void)
{
    return ts_s(CLOCK_MONOTONIC);
}

double cc_thread_cpu_s(void)
{
    return ts_s(CLOCK_THREAD_CPUTIME_ID);
}

double cc_self_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Name, utime + stime and stime of a stat file ("pid (comm) state ...");
 * comm may hold spaces and parentheses, so the fields start after the last
 * ')'. */
static int read_stat(const char *path, char *comm, size_t cap, double *cpu_s,
                     double *sys_s)
{
    char buf[1024];
    FILE *f = fopen(path, "r");
    if (!f)
        return -errno;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *open = strchr(buf, '('), *close = strrchr(buf, ')');
    if (!open || !close || close < open)
        return -EINVAL;
    snprintf(comm, cap, "%.*s", (int)(close - open - 1), open + 1);
    unsigned long utime, stime;
    /* Fields 3.. after comm: state ppid pgrp session tty tpgid flags minflt
     * cminflt majflt cmajflt utime stime. */
    if (sscanf(close + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
               &utime, &stime) != 2)
        return -EINVAL;
    double tick = (double)sysconf(_SC_CLK_TCK);
    *cpu_s = (double)(utime + stime) / tick;
    *sys_s = (double)stime / tick;
    return 0;
}

static void sample_threads(pid_t pid, cc_proc_sample *s)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[352], comm[64];
        double cpu, sys;
        snprintf(path, sizeof path, "%s/%s/stat", dir, e->d_name);
        if (read_stat(path, comm, sizeof comm, &cpu, &sys) < 0)
            continue; /* the thread just ended */
        if (strncmp(comm, "jpeg-", 5) == 0)
            s->encode_s += cpu;
        else if (strncmp(comm, "grab-", 5) == 0)
            s->grab_s += cpu;
        else
            s->other_sys_s += sys;
    }
    closedir(d);
}

static void sample_memory(pid_t pid, cc_proc_sample *s)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        unsigned long long kb;
        if (sscanf(line, "VmRSS: %llu kB", &kb) == 1)
            s->rss_kb = kb;
        else if (sscanf(line, "VmHWM: %llu kB", &kb) == 1)
            s->hwm_kb = kb;
    }
    fclose(f);
}

int cc_proc_sample_take(pid_t pid, cc_proc_sample *s)
{
    char path[64], comm[64];
    *s = (cc_proc_sample){.wall_s = cc_mono_s()};
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int rc = read_stat(path, comm, sizeof comm, &s->cpu_s, &s->sys_s);
    if (rc < 0)
        return rc;
    sample_threads(pid, s);
    sample_memory(pid, s);
    s->ok = true;
    return 0;
}

int cc_machine_sample_take(cc_machine_sample *s)
{
    unsigned long long user, nice, sys, idle, iowait, irq, softirq, steal;
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return -errno;
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &sys,
                   &idle, &iowait, &irq, &softirq, &steal);
    fclose(f);
    if (n != 8)
        return -EINVAL;
    double tick = (double)sysconf(_SC_CLK_TCK);
    s->busy_s = (double)(user + nice + sys) / tick;
    s->irq_s = (double)(irq + softirq) / tick;
    s->steal_s = (double)steal / tick;
    s->idle_s = (double)(idle + iowait) / tick;
    return 0;
}
