/* Not installed: the client's receive path without a socket, for tests and
 * fuzzing (tests/fuzz/fuzz_ws_client_split.c). The bytes go through the
 * very splitter, checks and wslay context a connected client uses.
 */
#ifndef CAMCAST_WS_CLIENT_INTERNAL_H
#define CAMCAST_WS_CLIENT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "camcast/ws_client.h"

/* Puts an idle client (new, or after on_close) in the state of a
 * successful handshake, without a socket or a libuv handle; on_open is
 * called. What it would send is kept (the newest 64 KiB), see
 * cc_ws_client_sent. Returns 0, -EALREADY (not idle) or -ENOMEM. */
int cc_ws_client_open_detached(cc_ws_client *c);

/* Bytes from the server, as one read from the socket hands them over.
 * When the connection ends, on_close comes before this returns (and may
 * free the client); later calls are ignored until the next open. */
void cc_ws_client_receive(cc_ws_client *c, const uint8_t *data, size_t len);

/* Ends a detached client still open (on_close follows before this returns),
 * so it may be freed. Nothing for a client already over. */
void cc_ws_client_end_detached(cc_ws_client *c);

/* What a detached client sent: masked frames, as the server would read
 * them. Valid until the next call on c. */
const uint8_t *cc_ws_client_sent(const cc_ws_client *c, size_t *len);

#endif
