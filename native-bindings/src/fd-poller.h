/*
 * fd_poller: a libuv poll on a file descriptor that calls a JavaScript
 * function (on the thread of the env that started it: main thread or a worker)
 * whenever the descriptor is readable. Shared by the libpcap handle and the
 * AF_PACKET handle; the callback only wakes the JavaScript read loop.
 */
#ifndef APISENSOR_FD_POLLER_H
#define APISENSOR_FD_POLLER_H

#include <node_api.h>
#include <uv.h>

typedef struct fd_poller {
  napi_env env;
  uv_poll_t *poll;
  napi_ref callback;
  napi_async_context async;
  int in_callback;     /* inside napi_make_callback: defer releasing callback/async */
  int release_pending;
} fd_poller_t;

/*
 * Starts polling `fd` for readability, replacing an earlier poll. Calls
 * fn(status) on every wakeup (status < 0 is a libuv error). Returns 0, or a
 * negative libuv / -1 (N-API) error; on error the poller is stopped and
 * `msg` (at least 256 bytes) holds a one-line reason.
 */
int fd_poller_start(napi_env env, fd_poller_t *p, int fd, napi_value fn, const char *name, char *msg, size_t msg_len);

/* Stops polling and releases the callback (deferred while it runs); idempotent. */
void fd_poller_stop(fd_poller_t *p);

#endif
