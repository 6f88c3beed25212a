/*
 * Small helpers shared by the libpcap and AF_PACKET bindings: little-endian
 * stores into batch buffers, coded errors thrown to JavaScript, and number
 * properties on result objects.
 */
#ifndef APISENSOR_NAPI_UTIL_H
#define APISENSOR_NAPI_UTIL_H

#include <node_api.h>
#include <stdint.h>

/* Stores `v` little-endian at o[0..3] (batch record headers are little-endian). */
static inline void put_u32le(uint8_t *o, uint32_t v) {
  o[0] = (uint8_t)v;
  o[1] = (uint8_t)(v >> 8);
  o[2] = (uint8_t)(v >> 16);
  o[3] = (uint8_t)(v >> 24);
}

/* Throws a JavaScript Error with `code` (e.g. ERR_CAPTURE_ARG) and `msg`; returns NULL for `return throw_code(...)`. */
static inline napi_value throw_code(napi_env env, const char *code, const char *msg) {
  napi_throw_error(env, code, msg);
  return NULL;
}

/* obj[key] = v (a JavaScript number). */
static inline void set_number(napi_env env, napi_value obj, const char *key, double v) {
  napi_value n;
  napi_create_double(env, v, &n);
  napi_set_named_property(env, obj, key, n);
}

#endif
