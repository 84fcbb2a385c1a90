/* A reader's pace over the stream's ticks, and its decisions for the ticks
 * in flight.
 *
 * A reader at a lower rate than the stream (a client group's max_fps, the
 * RTSP feed's fps) takes evenly spread ticks: it earns a credit of
 * rate / stream_fps a tick and takes a tick when the credit reaches one:
 * at most one tick in a row for a rate below half the stream's, the rate
 * exact on average. Whether it
 * takes a tick is decided when the tick starts (so a variant is encoded
 * only for the ticks someone takes) and used when the tick's bundles come;
 * up to CC_MUX_TICKS ticks are in flight, so the decisions wait in a short
 * queue. Loop thread only.
 */
#ifndef CC_PACE_H
#define CC_PACE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct cc_pace {
    double credit;   /* ticks' worth of taking earned, below two */
    uint8_t plan;    /* bit k: takes the k-th tick in flight */
    uint8_t planned; /* decisions in plan */
} cc_pace;

/* A new reader takes the next tick. */
void cc_pace_init(cc_pace *p);
/* Whether the reader takes the tick that starts now: every tick when rate
 * is 0 or at least stream_fps, else by its credit. */
bool cc_pace_due(cc_pace *p, double rate, double stream_fps);
/* Queues the decision for the tick that starts now. */
void cc_pace_push(cc_pace *p, bool takes);
/* The decision for the oldest tick in flight: 1 or 0, or -1 when none was
 * queued (the reader is younger than the tick). */
int cc_pace_pop(cc_pace *p);
/* After a reload: the ticks in flight were dropped, and their decisions
 * with them. */
void cc_pace_forget(cc_pace *p);

#endif
