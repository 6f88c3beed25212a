/*
 * apisensor live capture: a small N-API binding over libpcap.
 *
 *   new PcapHandle(device, snaplen, promisc, bufferBytes, timeoutMs, immediate, filter|null)
 *   handle.readBatch(buffer, maxPackets) -> bytes written (0 = nothing ready)
 *   handle.startPoll(callback(status)) / handle.stopPoll()   (uv_poll on the selectable fd)
 *   handle.stats() -> { received, droppedKernel, droppedInterface, delivered, batchTruncated }
 *   handle.close()
 *   handle.linkType / snaplen / nanosecond / device
 *   listInterfaces() -> [{ name, description, up, running, loopback, addresses }]
 *   libVersion() -> string
 *
 * Batch layout (what readBatch writes into the caller's buffer): records back
 * to back, each exactly a pcap file record in little-endian, nanosecond form
 * (https://www.tcpdump.org/manpages/pcap-savefile.5.txt):
 *   u32 tsSec, u32 tsNsec, u32 capturedLength, u32 originalLength, data[capturedLength]
 * no padding. A batch is therefore also a valid body of a nanosecond pcap file.
 * The capture handle is non-blocking: readBatch never waits.
 *
 * Errors are thrown as JS Errors with a stable `code`:
 *   ERR_CAPTURE_NO_DEVICE, ERR_CAPTURE_PERMISSION, ERR_CAPTURE_IFACE_DOWN,
 *   ERR_CAPTURE_FILTER, ERR_CAPTURE_ACTIVATE, ERR_CAPTURE_READ, ERR_CAPTURE_CLOSED, ERR_CAPTURE_ARG.
 */
#include <node_api.h>
#include <uv.h>
#include <pcap/pcap.h>
#include "fd-poller.h"
#include "napi-util.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define RECORD_HEADER_BYTES 16

/* AF_PACKET fanout handle (afpacket-binding.c; a no-op outside Linux). */
napi_status afpacket_register(napi_env env, napi_value exports);

typedef struct capture {
  pcap_t *pcap;
  napi_env env;
  char device[256];
  int snaplen;
  int linktype;
  int nano;
  double delivered;
  double batch_truncated;
  fd_poller_t poller;
} capture_t;

typedef struct batch {
  uint8_t *buf;
  size_t len;
  size_t used;
  uint32_t packets;
  int nano;
  double truncated;
} batch_t;

#define CHECK(call)                                                            \
  do {                                                                         \
    if ((call) != napi_ok) {                                                   \
      napi_throw_error(env, "ERR_CAPTURE_INTERNAL", "N-API call failed: " #call); \
      return NULL;                                                             \
    }                                                                          \
  } while (0)

static int get_string(napi_env env, napi_value v, char *out, size_t cap) {
  size_t n = 0;
  return napi_get_value_string_utf8(env, v, out, cap, &n) == napi_ok;
}

static void set_bool(napi_env env, napi_value obj, const char *key, int v) {
  napi_value b;
  napi_get_boolean(env, v != 0, &b);
  napi_set_named_property(env, obj, key, b);
}

static void set_string(napi_env env, napi_value obj, const char *key, const char *s) {
  napi_value v;
  if (s == NULL) napi_get_null(env, &v);
  else napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, key, v);
}

static void close_capture(capture_t *c) {
  fd_poller_stop(&c->poller);
  if (c->pcap != NULL) {
    pcap_close(c->pcap);
    c->pcap = NULL;
  }
}

static void finalize_capture(napi_env env, void *data, void *hint) {
  capture_t *c = (capture_t *)data;
  close_capture(c);
  free(c);
}

static capture_t *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  void *data = NULL;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, self, &data) != napi_ok) return NULL;
  return (capture_t *)data;
}

static const char *activate_code(int rc) {
  switch (rc) {
    case PCAP_ERROR_NO_SUCH_DEVICE: return "ERR_CAPTURE_NO_DEVICE";
    case PCAP_ERROR_PERM_DENIED:
    case PCAP_ERROR_PROMISC_PERM_DENIED: return "ERR_CAPTURE_PERMISSION";
    case PCAP_ERROR_IFACE_NOT_UP: return "ERR_CAPTURE_IFACE_DOWN";
    default: return "ERR_CAPTURE_ACTIVATE";
  }
}

/* new PcapHandle(device, snaplen, promisc, bufferBytes, timeoutMs, immediate, filter|null) */
static napi_value capture_new(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7], self;
  CHECK(napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  if (argc < 7) return throw_code(env, "ERR_CAPTURE_ARG", "PcapHandle needs 7 arguments");
  char device[256], filter[8192], errbuf[PCAP_ERRBUF_SIZE], msg[PCAP_ERRBUF_SIZE + 512];
  int32_t snaplen = 0, buffer_bytes = 0, timeout_ms = 0;
  bool promisc = false, immediate = false;
  napi_valuetype ft;
  if (!get_string(env, argv[0], device, sizeof device)) return throw_code(env, "ERR_CAPTURE_ARG", "device must be a string");
  CHECK(napi_get_value_int32(env, argv[1], &snaplen));
  CHECK(napi_get_value_bool(env, argv[2], &promisc));
  CHECK(napi_get_value_int32(env, argv[3], &buffer_bytes));
  CHECK(napi_get_value_int32(env, argv[4], &timeout_ms));
  CHECK(napi_get_value_bool(env, argv[5], &immediate));
  CHECK(napi_typeof(env, argv[6], &ft));
  int has_filter = ft == napi_string;
  if (has_filter && !get_string(env, argv[6], filter, sizeof filter)) return throw_code(env, "ERR_CAPTURE_ARG", "filter too long");

  errbuf[0] = 0;
  pcap_t *p = pcap_create(device, errbuf);
  if (p == NULL) {
    snprintf(msg, sizeof msg, "%s: %s", device, errbuf);
    return throw_code(env, "ERR_CAPTURE_ACTIVATE", msg);
  }
  pcap_set_snaplen(p, snaplen);
  pcap_set_promisc(p, promisc ? 1 : 0);
  if (buffer_bytes > 0) pcap_set_buffer_size(p, buffer_bytes);
  pcap_set_timeout(p, timeout_ms);
  pcap_set_immediate_mode(p, immediate ? 1 : 0);
  pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO); /* falls back to micro when unsupported */
  int rc = pcap_activate(p);
  if (rc < 0) {
    const char *detail = pcap_geterr(p);
    snprintf(msg, sizeof msg, "%s: %s%s%s", device, pcap_statustostr(rc), detail[0] ? ": " : "", detail);
    pcap_close(p);
    return throw_code(env, activate_code(rc), msg);
  }
  if (has_filter) {
    struct bpf_program prog;
    if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
      snprintf(msg, sizeof msg, "%s", pcap_geterr(p));
      pcap_close(p);
      return throw_code(env, "ERR_CAPTURE_FILTER", msg);
    }
    int set = pcap_setfilter(p, &prog);
    pcap_freecode(&prog);
    if (set < 0) {
      snprintf(msg, sizeof msg, "cannot install the filter: %s", pcap_geterr(p));
      pcap_close(p);
      return throw_code(env, "ERR_CAPTURE_FILTER", msg);
    }
  }
  if (pcap_setnonblock(p, 1, errbuf) < 0) {
    snprintf(msg, sizeof msg, "%s: cannot set non-blocking mode: %s", device, errbuf);
    pcap_close(p);
    return throw_code(env, "ERR_CAPTURE_ACTIVATE", msg);
  }

  capture_t *c = (capture_t *)calloc(1, sizeof(capture_t));
  c->pcap = p;
  c->env = env;
  c->poller.env = env;
  snprintf(c->device, sizeof c->device, "%s", device);
  c->snaplen = pcap_snapshot(p);
  c->linktype = pcap_datalink(p);
  c->nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
  if (napi_wrap(env, self, c, finalize_capture, NULL, NULL) != napi_ok) {
    close_capture(c);
    free(c);
    return throw_code(env, "ERR_CAPTURE_INTERNAL", "napi_wrap failed");
  }
  napi_value v;
  napi_create_int32(env, c->linktype, &v);
  napi_set_named_property(env, self, "linkType", v);
  napi_create_int32(env, c->snaplen, &v);
  napi_set_named_property(env, self, "snaplen", v);
  set_bool(env, self, "nanosecond", c->nano);
  set_string(env, self, "device", c->device);
  return self;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes) {
  batch_t *b = (batch_t *)user;
  size_t room = b->len - b->used;
  if (room <= RECORD_HEADER_BYTES) {
    b->truncated++;
    return;
  }
  uint32_t cap = h->caplen;
  if ((size_t)cap > room - RECORD_HEADER_BYTES) {
    cap = (uint32_t)(room - RECORD_HEADER_BYTES);
    b->truncated++;
  }
  uint8_t *o = b->buf + b->used;
  put_u32le(o, (uint32_t)h->ts.tv_sec);
  put_u32le(o + 4, (uint32_t)(b->nano ? h->ts.tv_usec : h->ts.tv_usec * 1000));
  put_u32le(o + 8, cap);
  put_u32le(o + 12, h->len);
  memcpy(o + RECORD_HEADER_BYTES, bytes, cap);
  b->used += RECORD_HEADER_BYTES + cap;
  b->packets++;
}

/* readBatch(buffer: Uint8Array, maxPackets: number) -> bytes written */
static napi_value capture_read_batch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  capture_t *c = unwrap(env, info, &argc, argv);
  if (c == NULL || c->pcap == NULL) return throw_code(env, "ERR_CAPTURE_CLOSED", "capture handle is closed");
  if (argc < 2) return throw_code(env, "ERR_CAPTURE_ARG", "readBatch(buffer, maxPackets)");
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  void *data = NULL;
  napi_value ab;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, &ab, &offset) != napi_ok || type != napi_uint8_array)
    return throw_code(env, "ERR_CAPTURE_ARG", "readBatch needs a Uint8Array");
  int32_t max_packets = 0;
  CHECK(napi_get_value_int32(env, argv[1], &max_packets));
  batch_t b = { (uint8_t *)data, length, 0, 0, c->nano, 0 };
  size_t per_packet = RECORD_HEADER_BYTES + (size_t)c->snaplen;
  while (b.packets < (uint32_t)max_packets) {
    size_t fits = (b.len - b.used) / per_packet;
    if (fits == 0) break;
    uint32_t want = (uint32_t)max_packets - b.packets;
    int cnt = (int)(fits < want ? fits : want);
    int got = pcap_dispatch(c->pcap, cnt, on_packet, (u_char *)&b);
    if (got < 0) {
      char msg[PCAP_ERRBUF_SIZE + 300];
      snprintf(msg, sizeof msg, "%s: capture read failed: %s", c->device, pcap_geterr(c->pcap));
      return throw_code(env, "ERR_CAPTURE_READ", msg);
    }
    if (got == 0) break;
  }
  c->delivered += b.packets;
  c->batch_truncated += b.truncated;
  napi_value out;
  CHECK(napi_create_double(env, (double)b.used, &out));
  return out;
}

static napi_value capture_stats(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  capture_t *c = unwrap(env, info, &argc, NULL);
  if (c == NULL || c->pcap == NULL) return throw_code(env, "ERR_CAPTURE_CLOSED", "capture handle is closed");
  struct pcap_stat st;
  memset(&st, 0, sizeof st);
  if (pcap_stats(c->pcap, &st) < 0) return throw_code(env, "ERR_CAPTURE_READ", pcap_geterr(c->pcap));
  napi_value o;
  CHECK(napi_create_object(env, &o));
  set_number(env, o, "received", st.ps_recv);
  set_number(env, o, "droppedKernel", st.ps_drop);
  set_number(env, o, "droppedInterface", st.ps_ifdrop);
  set_number(env, o, "delivered", c->delivered);
  set_number(env, o, "batchTruncated", c->batch_truncated);
  return o;
}

/* startPoll(callback(status: number)) — calls back whenever the capture fd is readable. */
static napi_value capture_start_poll(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  capture_t *c = unwrap(env, info, &argc, argv);
  if (c == NULL || c->pcap == NULL) return throw_code(env, "ERR_CAPTURE_CLOSED", "capture handle is closed");
  napi_valuetype t;
  if (argc < 1 || napi_typeof(env, argv[0], &t) != napi_ok || t != napi_function)
    return throw_code(env, "ERR_CAPTURE_ARG", "startPoll needs a function");
  int fd = pcap_get_selectable_fd(c->pcap);
  if (fd < 0) return throw_code(env, "ERR_CAPTURE_ACTIVATE", "capture has no selectable file descriptor");
  char msg[256];
  if (fd_poller_start(env, &c->poller, fd, argv[0], "apisensor.pcap", msg, sizeof msg) != 0)
    return throw_code(env, "ERR_CAPTURE_ACTIVATE", msg);
  return NULL;
}

static napi_value capture_stop_poll(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  capture_t *c = unwrap(env, info, &argc, NULL);
  if (c != NULL) fd_poller_stop(&c->poller);
  return NULL;
}

static napi_value capture_close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  capture_t *c = unwrap(env, info, &argc, NULL);
  if (c != NULL) close_capture(c);
  return NULL;
}

static napi_value list_interfaces(napi_env env, napi_callback_info info) {
  pcap_if_t *all = NULL;
  char errbuf[PCAP_ERRBUF_SIZE];
  if (pcap_findalldevs(&all, errbuf) < 0) return throw_code(env, "ERR_CAPTURE_ACTIVATE", errbuf);
  napi_value list;
  CHECK(napi_create_array(env, &list));
  uint32_t i = 0;
  for (pcap_if_t *d = all; d != NULL; d = d->next) {
    napi_value o, addrs;
    napi_create_object(env, &o);
    set_string(env, o, "name", d->name);
    set_string(env, o, "description", d->description);
    set_bool(env, o, "up", d->flags & PCAP_IF_UP);
    set_bool(env, o, "running", d->flags & PCAP_IF_RUNNING);
    set_bool(env, o, "loopback", d->flags & PCAP_IF_LOOPBACK);
    napi_create_array(env, &addrs);
    uint32_t j = 0;
    for (pcap_addr_t *a = d->addresses; a != NULL; a = a->next) {
      char text[INET6_ADDRSTRLEN] = "";
      if (a->addr == NULL) continue;
      if (a->addr->sa_family == AF_INET) inet_ntop(AF_INET, &((struct sockaddr_in *)a->addr)->sin_addr, text, sizeof text);
      else if (a->addr->sa_family == AF_INET6) inet_ntop(AF_INET6, &((struct sockaddr_in6 *)a->addr)->sin6_addr, text, sizeof text);
      else continue;
      napi_value s;
      napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &s);
      napi_set_element(env, addrs, j++, s);
    }
    napi_set_named_property(env, o, "addresses", addrs);
    napi_set_element(env, list, i++, o);
  }
  pcap_freealldevs(all);
  return list;
}

static napi_value lib_version(napi_env env, napi_callback_info info) {
  napi_value v;
  CHECK(napi_create_string_utf8(env, pcap_lib_version(), NAPI_AUTO_LENGTH, &v));
  return v;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
    { "readBatch", NULL, capture_read_batch, NULL, NULL, NULL, napi_default, NULL },
    { "stats", NULL, capture_stats, NULL, NULL, NULL, napi_default, NULL },
    { "startPoll", NULL, capture_start_poll, NULL, NULL, NULL, napi_default, NULL },
    { "stopPoll", NULL, capture_stop_poll, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, capture_close, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_value cls, fn;
  CHECK(napi_define_class(env, "PcapHandle", NAPI_AUTO_LENGTH, capture_new, NULL, 5, methods, &cls));
  CHECK(napi_set_named_property(env, exports, "PcapHandle", cls));
  CHECK(napi_create_function(env, "listInterfaces", NAPI_AUTO_LENGTH, list_interfaces, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "listInterfaces", fn));
  CHECK(napi_create_function(env, "libVersion", NAPI_AUTO_LENGTH, lib_version, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "libVersion", fn));
  if (afpacket_register(env, exports) != napi_ok) return NULL;
  return exports;
}
