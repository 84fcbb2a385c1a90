/* Replies to the viewer's control messages (docs/protocol.md): a pong with
 * the server's clock, or an error. */
#ifndef CC_VIEWER_REPLY_H
#define CC_VIEWER_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum cc_reply_type {
    CC_REPLY_OTHER = 0, /* not JSON, or a type the viewer does not act on */
    CC_REPLY_PONG,
    CC_REPLY_ERROR,
} cc_reply_type;

typedef struct cc_reply {
    cc_reply_type type;
    uint64_t time_ns;   /* PONG: the server's wall clock; 0 if absent */
    char message[160];  /* ERROR: the server's reason (control characters
                           replaced: it reaches the log) */
    bool about_control; /* ERROR: about camera control (a "feature" key, or
                           a refused set or features message) */
} cc_reply;

/* Never fails: anything unexpected is CC_REPLY_OTHER. */
void cc_reply_parse(cc_reply *out, const char *msg, size_t len);

#endif
