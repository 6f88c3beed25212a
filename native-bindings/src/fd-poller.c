/* fd_poller: see fd-poller.h. */
#include "fd-poller.h"
#include <stdio.h>
#include <stdlib.h>

static void release_callback(fd_poller_t *p) {
  p->release_pending = 0;
  if (p->callback != NULL) {
    napi_delete_reference(p->env, p->callback);
    p->callback = NULL;
  }
  if (p->async != NULL) {
    napi_async_destroy(p->env, p->async);
    p->async = NULL;
  }
}

void fd_poller_stop(fd_poller_t *p) {
  if (p->poll != NULL) {
    uv_poll_stop(p->poll);
    p->poll->data = NULL;
    uv_close((uv_handle_t *)p->poll, (uv_close_cb)free);
    p->poll = NULL;
  }
  if (p->in_callback) p->release_pending = 1;
  else release_callback(p);
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  fd_poller_t *p = (fd_poller_t *)handle->data;
  if (p == NULL || p->callback == NULL) return;
  napi_env env = p->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, recv, arg, result;
  napi_get_reference_value(env, p->callback, &fn);
  napi_get_global(env, &recv);
  napi_create_int32(env, status, &arg);
  p->in_callback++;
  napi_status st = napi_make_callback(env, p->async, recv, fn, 1, &arg, &result);
  p->in_callback--;
  if (p->in_callback == 0 && p->release_pending) release_callback(p);
  if (st == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
  }
  napi_close_handle_scope(env, scope);
}

int fd_poller_start(napi_env env, fd_poller_t *p, int fd, napi_value fn, const char *name, char *msg, size_t msg_len) {
  fd_poller_stop(p);
  p->env = env;
  uv_loop_t *loop = NULL;
  napi_value resource_name;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok ||
      napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource_name) != napi_ok ||
      napi_async_init(env, NULL, resource_name, &p->async) != napi_ok ||
      napi_create_reference(env, fn, 1, &p->callback) != napi_ok) {
    snprintf(msg, msg_len, "cannot set up the poll callback (N-API)");
    fd_poller_stop(p);
    return -1;
  }
  p->poll = (uv_poll_t *)calloc(1, sizeof(uv_poll_t));
  int rc = uv_poll_init(loop, p->poll, fd);
  if (rc == 0) {
    p->poll->data = p;
    rc = uv_poll_start(p->poll, UV_READABLE, on_readable);
  } else {
    free(p->poll);
    p->poll = NULL;
  }
  if (rc != 0) {
    snprintf(msg, msg_len, "cannot poll the capture descriptor: %s", uv_strerror(rc));
    fd_poller_stop(p);
    return rc;
  }
  return 0;
}
