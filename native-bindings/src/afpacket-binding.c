/*
 * apisensor live capture, Linux AF_PACKET mode: one socket per worker with a
 * TPACKET_V3 receive ring, all sockets of a run in one PACKET_FANOUT group
 * (packet(7), Documentation/networking/packet_mmap.rst).
 *
 *   new AfPacketHandle(device, snaplen, promisc, blockBytes, blockCount, blockTimeoutMs, fanoutGroup, filter|null[, program])
 *   handle.readBatch(buffer, maxPackets) -> bytes written (0 = no retired block ready)
 *   handle.startPoll(callback(status)) / handle.stopPoll()   (uv_poll on the socket)
 *   handle.stats() -> { received, droppedKernel, freezeQueueCount, delivered, skippedOutgoing, batchTruncated, blocksRead }
 *   handle.close()
 *   handle.linkType / snaplen / nanosecond (true) / device / fanoutGroup / ringBytes
 *   handle.fanoutMode ('cbpf' | 'hash' | 'none') / fanoutFallback (why cbpf was not used, or null)
 *
 * Fanout with a program (src/capture/fanout-program.ts: an array of
 * [code, jt, jf, k] or a Uint8Array of 8-byte struct sock_filter in host
 * order): the group is PACKET_FANOUT_CBPF | PACKET_FANOUT_FLAG_DEFRAG (Linux
 * ≥ 4.2) and the program is set with PACKET_FANOUT_DATA (a struct
 * sock_fprog; the group keeps one program, each member sets the same one).
 * The kernel sends a packet to member `return value % members`
 * (fanout_demux_bpf); the program hashes the innermost 5-tuple, through
 * VXLAN, GENEVE and GRE/ERSPAN mirror tunnels. DEFRAG reassembles outer IPv4
 * fragments before the program runs. When the kernel refuses the CBPF group
 * (EINVAL: older kernel, or the group already exists as HASH because another
 * member fell back) the socket joins a HASH group instead and fanoutFallback
 * says why; when it accepts the group but refuses the program, the
 * constructor throws ERR_CAPTURE_FANOUT_PROGRAM (the socket cannot leave the
 * group) and JavaScript reopens without a program.
 *
 * Fanout without a program: PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG. The kernel picks the
 * socket with reciprocal_scale(__skb_get_hash_symmetric(skb), members): a flow
 * dissector hash over (addresses, ports, protocol) with the two endpoints put in
 * a canonical order, so both directions of a TCP connection reach the same
 * socket; DEFRAG reassembles IPv4 fragments before hashing so a fragmented
 * datagram is not split across sockets. The hash sees the OUTER headers only:
 * tunnelled mirror traffic (VXLAN, GENEVE, GRE) is spread by its outer 5-tuple.
 *
 * Ring: tp_block_size = blockBytes (a power of two, ≥ page size),
 * tp_block_nr = blockCount, tp_retire_blk_tov = blockTimeoutMs (a partly
 * filled block is handed to user space after this long). readBatch walks
 * retired blocks (TP_STATUS_USER) packet by packet and returns each block to
 * the kernel once all its packets are copied; a batch may end inside a block
 * and the next call resumes there.
 *
 * Batch layout: exactly the libpcap handle's (pcap-binding.c): records back to
 * back, each `u32 tsSec, u32 tsNsec, u32 capturedLength, u32 originalLength,
 * data` little-endian, nanosecond timestamps (tp_sec / tp_nsec of the ring).
 * A VLAN tag the driver stripped (TP_STATUS_VLAN_VALID) is put back into the
 * Ethernet header, as libpcap does, so both modes hand identical frames on.
 *
 * Start-up without duplicates: a socket must be bound (running) before it may
 * join a fanout group, and until it joins it would see every packet of the
 * interface. So the socket first gets a drop-everything filter, is bound and
 * joins the group, and only then gets the user's filter (SO_ATTACH_FILTER
 * replaces filters atomically). Packets hashed to the socket in the instant
 * between join and the second filter are discarded by the first; they are
 * start-up traffic, and they are not counted anywhere.
 *
 * Timestamps: tp_sec / tp_nsec of the ring: skb->tstamp when the stack set
 * one, else the time tpacket_rcv copied the packet (CLOCK_REALTIME). Two
 * sockets receiving the same packet (e.g. a libpcap capture beside this one)
 * can therefore stamp it a few microseconds apart; measured on veth.
 *
 * Statistics: PACKET_STATISTICS (struct tpacket_stats_v3) resets on every
 * read, so the handle accumulates: received = tp_packets (the kernel adds the
 * drops in), droppedKernel = tp_drops (ring full), freezeQueueCount =
 * tp_freeze_q_cnt (times the ring was full and froze).
 *
 * Errors carry the same stable codes as the libpcap handle.
 */
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __linux__
#include <pcap/pcap.h>
#include <errno.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include "fd-poller.h"
#include "napi-util.h"

#define RECORD_HEADER_BYTES 16
#define LINKTYPE_ETHERNET 1
#define LINKTYPE_RAW 101
#ifndef PACKET_FANOUT_FLAG_IGNORE_OUTGOING
#define PACKET_FANOUT_FLAG_IGNORE_OUTGOING 0x4000
#endif
#ifndef PACKET_FANOUT_CBPF
#define PACKET_FANOUT_CBPF 6
#endif
#ifndef PACKET_FANOUT_DATA
#define PACKET_FANOUT_DATA 22
#endif
#define MAX_PROGRAM_INSNS 4096 /* BPF_MAXINSNS */

/* struct sock_fprog of <linux/filter.h>; struct bpf_insn has struct sock_filter's layout. */
struct aps_sock_fprog {
  unsigned short len;
  struct bpf_insn *filter;
};

typedef struct afp {
  int fd;
  uint8_t *ring;
  size_t ring_bytes;
  uint32_t block_size;
  uint32_t block_nr;
  uint32_t cur_block;
  int in_block;         /* cur_block is owned by us and partly read */
  uint32_t pkts_left;   /* packets of cur_block not yet copied */
  uint32_t next_off;    /* offset of the next packet in cur_block */
  int loopback;
  int linktype;
  int snaplen;
  int group;
  const char *fanout_mode; /* "cbpf", "hash" or "none" */
  char fanout_fallback[160]; /* empty unless CBPF was refused */
  struct bpf_insn *pending_prog; /* the fanout program during the constructor only */
  char device[IF_NAMESIZE + 1];
  double received, dropped, freeze, delivered, skipped_outgoing, truncated, blocks;
  fd_poller_t poller;
} afp_t;

typedef struct batch_out {
  uint8_t *buf;
  size_t len;
  size_t used;
  uint32_t packets;
} batch_out_t;

static void afp_close(afp_t *a) {
  fd_poller_stop(&a->poller);
  if (a->ring != NULL) {
    munmap(a->ring, a->ring_bytes);
    a->ring = NULL;
  }
  if (a->fd >= 0) {
    close(a->fd);
    a->fd = -1;
  }
}

static void afp_finalize(napi_env env, void *data, void *hint) {
  afp_t *a = (afp_t *)data;
  afp_close(a);
  free(a);
}

static afp_t *afp_unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  void *data = NULL;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, self, &data) != napi_ok) return NULL;
  return (afp_t *)data;
}

/* Reads PACKET_STATISTICS (which resets the kernel's counters) into the running totals. */
static int afp_pull_stats(afp_t *a) {
  struct tpacket_stats_v3 st;
  socklen_t len = sizeof st;
  memset(&st, 0, sizeof st);
  if (getsockopt(a->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) < 0) return -1;
  a->received += st.tp_packets;
  a->dropped += st.tp_drops;
  a->freeze += st.tp_freeze_q_cnt;
  return 0;
}

static const char *errno_code(int e) {
  switch (e) {
    case EPERM:
    case EACCES: return "ERR_CAPTURE_PERMISSION";
    case ENODEV:
    case ENXIO: return "ERR_CAPTURE_NO_DEVICE";
    case ENETDOWN: return "ERR_CAPTURE_IFACE_DOWN";
    default: return "ERR_CAPTURE_ACTIVATE";
  }
}

/* Fails the constructor: closes what was opened, throws code + message. */
static napi_value open_fail(napi_env env, afp_t *a, pcap_t *dead, const char *code, const char *msg) {
  free(a->pending_prog);
  a->pending_prog = NULL;
  if (dead != NULL) pcap_close(dead);
  afp_close(a);
  free(a);
  return throw_code(env, code, msg);
}

static int is_pow2(uint32_t v) { return v != 0 && (v & (v - 1)) == 0; }

/*
 * Reads the optional fanout program: undefined/null → 0 instructions; an
 * array of [code, jt, jf, k] or a Uint8Array of 8-byte sock_filter records.
 * Returns the instruction count, or -1 (message in msg) for a malformed one.
 * *out is malloc'ed when the count is > 0.
 */
static int read_program(napi_env env, napi_value v, struct bpf_insn **out, char *msg, size_t msg_len) {
  napi_valuetype t;
  bool is_array = false, is_typed = false;
  *out = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t == napi_undefined || t == napi_null) return 0;
  napi_is_array(env, v, &is_array);
  napi_is_typedarray(env, v, &is_typed);
  if (is_typed) {
    napi_typedarray_type type;
    size_t length = 0, offset = 0;
    void *data = NULL;
    napi_value ab;
    if (napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &offset) != napi_ok || type != napi_uint8_array || length % 8 != 0 ||
        length == 0 || length / 8 > MAX_PROGRAM_INSNS) {
      snprintf(msg, msg_len, "fanout program: a Uint8Array of 1 to %d 8-byte sock_filter records", MAX_PROGRAM_INSNS);
      return -1;
    }
    *out = (struct bpf_insn *)malloc(length);
    memcpy(*out, data, length);
    return (int)(length / 8);
  }
  uint32_t n = 0;
  if (!is_array || napi_get_array_length(env, v, &n) != napi_ok || n == 0 || n > MAX_PROGRAM_INSNS) {
    snprintf(msg, msg_len, "fanout program: an array of 1 to %d [code, jt, jf, k] instructions", MAX_PROGRAM_INSNS);
    return -1;
  }
  struct bpf_insn *p = (struct bpf_insn *)calloc(n, sizeof *p);
  for (uint32_t i = 0; i < n; i++) {
    napi_value ins, f[4];
    uint32_t fields[4], len = 0;
    bool ok = napi_get_element(env, v, i, &ins) == napi_ok && napi_is_array(env, ins, &is_array) == napi_ok && is_array &&
              napi_get_array_length(env, ins, &len) == napi_ok && len == 4;
    for (uint32_t j = 0; ok && j < 4; j++)
      ok = napi_get_element(env, ins, j, &f[j]) == napi_ok && napi_get_value_uint32(env, f[j], &fields[j]) == napi_ok;
    if (!ok || fields[0] > 0xffff || fields[1] > 0xff || fields[2] > 0xff) {
      free(p);
      snprintf(msg, msg_len, "fanout program: instruction %u is not [code <= 0xffff, jt <= 255, jf <= 255, k]", i);
      return -1;
    }
    p[i].code = (unsigned short)fields[0];
    p[i].jt = (unsigned char)fields[1];
    p[i].jf = (unsigned char)fields[2];
    p[i].k = fields[3];
  }
  *out = p;
  return (int)n;
}

/* Joins `group` as `type` | DEFRAG (| IGNORE_OUTGOING on loopback, dropped on kernels before 4.20). Returns setsockopt's result; errno set. */
static int join_fanout(int fd, int group, int type, int loopback) {
  int flags = PACKET_FANOUT_FLAG_DEFRAG | (loopback ? PACKET_FANOUT_FLAG_IGNORE_OUTGOING : 0);
  int arg = (group & 0xffff) | ((type | flags) << 16);
  int rc = setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg);
  if (rc < 0 && errno == EINVAL && loopback) { /* kernels before 4.20: no IGNORE_OUTGOING; skipped in readBatch instead */
    arg = (group & 0xffff) | ((type | PACKET_FANOUT_FLAG_DEFRAG) << 16);
    rc = setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg);
  }
  return rc;
}

/* new AfPacketHandle(device, snaplen, promisc, blockBytes, blockCount, blockTimeoutMs, fanoutGroup, filter|null[, program]) */
static napi_value afp_new(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9], self;
  if (napi_get_cb_info(env, info, &argc, argv, &self, NULL) != napi_ok || argc < 8)
    return throw_code(env, "ERR_CAPTURE_ARG", "AfPacketHandle needs 8 arguments");
  char device[64], filter[8192], msg[PCAP_ERRBUF_SIZE + 512];
  size_t n = 0;
  int32_t snaplen = 0, block_bytes = 0, block_count = 0, timeout_ms = 0, group = -1;
  bool promisc = false;
  napi_valuetype ft;
  if (napi_get_value_string_utf8(env, argv[0], device, sizeof device, &n) != napi_ok || n == 0 || n > IF_NAMESIZE - 1)
    return throw_code(env, "ERR_CAPTURE_NO_DEVICE", "interface name must be a string of 1 to 15 bytes");
  if (napi_get_value_int32(env, argv[1], &snaplen) != napi_ok || napi_get_value_bool(env, argv[2], &promisc) != napi_ok ||
      napi_get_value_int32(env, argv[3], &block_bytes) != napi_ok || napi_get_value_int32(env, argv[4], &block_count) != napi_ok ||
      napi_get_value_int32(env, argv[5], &timeout_ms) != napi_ok || napi_get_value_int32(env, argv[6], &group) != napi_ok ||
      napi_typeof(env, argv[7], &ft) != napi_ok)
    return throw_code(env, "ERR_CAPTURE_ARG", "AfPacketHandle(device, snaplen, promisc, blockBytes, blockCount, blockTimeoutMs, fanoutGroup, filter)");
  long page = sysconf(_SC_PAGESIZE);
  if (snaplen < 64 || !is_pow2((uint32_t)block_bytes) || block_bytes < page || block_count < 2 || timeout_ms < 1 || group > 0xffff)
    return throw_code(env, "ERR_CAPTURE_ARG", "bad ring geometry: blockBytes a power of two >= page size, blockCount >= 2, timeout >= 1 ms, group <= 65535");
  int has_filter = ft == napi_string;
  if (has_filter && napi_get_value_string_utf8(env, argv[7], filter, sizeof filter, &n) != napi_ok)
    return throw_code(env, "ERR_CAPTURE_ARG", "filter too long");
  struct bpf_insn *fanout_prog = NULL;
  int fanout_len = argc >= 9 ? read_program(env, argv[8], &fanout_prog, msg, sizeof msg) : 0;
  if (fanout_len < 0) return throw_code(env, "ERR_CAPTURE_ARG", msg);
  /* From here on, every exit frees the program: open_fail and the success path below. */

  afp_t *a = (afp_t *)calloc(1, sizeof(afp_t));
  a->fd = -1;
  a->group = group;
  a->fanout_mode = "none";
  a->pending_prog = fanout_prog;
  a->snaplen = snaplen;
  a->poller.env = env;
  memcpy(a->device, device, strlen(device) + 1); /* at most IF_NAMESIZE - 1 bytes, checked above */

  unsigned ifindex = if_nametoindex(device);
  if (ifindex == 0) {
    snprintf(msg, sizeof msg, "%s: no such interface", device);
    return open_fail(env, a, NULL, "ERR_CAPTURE_NO_DEVICE", msg);
  }
  /* Protocol 0: the socket receives nothing until bind() names a protocol. */
  a->fd = socket(AF_PACKET, SOCK_RAW, 0);
  if (a->fd < 0) {
    int e = errno;
    snprintf(msg, sizeof msg, "%s: socket(AF_PACKET, SOCK_RAW): %s", device, strerror(e));
    return open_fail(env, a, NULL, errno_code(e), msg);
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, a->device, strlen(a->device) + 1);
  if (ioctl(a->fd, SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP)) {
    snprintf(msg, sizeof msg, "%s: interface is down", device);
    return open_fail(env, a, NULL, "ERR_CAPTURE_IFACE_DOWN", msg);
  }
  a->loopback = (ifr.ifr_flags & IFF_LOOPBACK) != 0;
  if (ioctl(a->fd, SIOCGIFHWADDR, &ifr) < 0) {
    snprintf(msg, sizeof msg, "%s: SIOCGIFHWADDR: %s", device, strerror(errno));
    return open_fail(env, a, NULL, errno_code(errno), msg);
  }
  switch (ifr.ifr_hwaddr.sa_family) {
    case ARPHRD_ETHER:
    case ARPHRD_LOOPBACK: a->linktype = LINKTYPE_ETHERNET; break;
    case ARPHRD_NONE: a->linktype = LINKTYPE_RAW; break; /* tun: frames start with the IP header */
    default:
      snprintf(msg, sizeof msg, "%s: link type ARPHRD %u is not supported by --capture-mode afpacket (use --capture-mode pcap)", device,
               (unsigned)ifr.ifr_hwaddr.sa_family);
      return open_fail(env, a, NULL, "ERR_CAPTURE_ACTIVATE", msg);
  }

  /* Compile the filter first: a bad expression fails before any kernel state is set up. */
  pcap_t *dead = NULL;
  struct bpf_program prog;
  memset(&prog, 0, sizeof prog);
  if (has_filter) {
    dead = pcap_open_dead(a->linktype, snaplen);
    if (dead == NULL) return open_fail(env, a, NULL, "ERR_CAPTURE_ACTIVATE", "pcap_open_dead failed");
    if (pcap_compile(dead, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
      snprintf(msg, sizeof msg, "%s", pcap_geterr(dead));
      return open_fail(env, a, dead, "ERR_CAPTURE_FILTER", msg);
    }
  }
#define FAIL_ERRNO(what)                                                                    \
  do {                                                                                      \
    int e_ = errno;                                                                         \
    snprintf(msg, sizeof msg, "%s: %s: %s", device, what, strerror(e_));                    \
    if (has_filter) pcap_freecode(&prog);                                                   \
    return open_fail(env, a, dead, errno_code(e_), msg);                                    \
  } while (0)

  int version = TPACKET_V3;
  if (setsockopt(a->fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) < 0) FAIL_ERRNO("PACKET_VERSION TPACKET_V3");
  struct tpacket_req3 req;
  memset(&req, 0, sizeof req);
  req.tp_block_size = (unsigned)block_bytes;
  req.tp_block_nr = (unsigned)block_count;
  req.tp_frame_size = TPACKET_ALIGNMENT << 7; /* 2048: V3 packs packets; only frame_nr bookkeeping uses it */
  req.tp_frame_nr = (req.tp_block_size / req.tp_frame_size) * req.tp_block_nr;
  req.tp_retire_blk_tov = (unsigned)timeout_ms;
  if (setsockopt(a->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0) FAIL_ERRNO("PACKET_RX_RING");
  a->block_size = req.tp_block_size;
  a->block_nr = req.tp_block_nr;
  a->ring_bytes = (size_t)a->block_size * a->block_nr;
  void *ring = mmap(NULL, a->ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, a->fd, 0);
  if (ring == MAP_FAILED) FAIL_ERRNO("mmap of the receive ring");
  a->ring = (uint8_t *)ring;

  struct bpf_insn drop_all = { 0x06 /* BPF_RET|BPF_K */, 0, 0, 0 };
  struct aps_sock_fprog drop = { 1, &drop_all };
  if (setsockopt(a->fd, SOL_SOCKET, SO_ATTACH_FILTER, &drop, sizeof drop) < 0) FAIL_ERRNO("SO_ATTACH_FILTER");
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = (int)ifindex;
  if (bind(a->fd, (struct sockaddr *)&sll, sizeof sll) < 0) FAIL_ERRNO("bind");
  if (promisc) {
    struct packet_mreq mr;
    memset(&mr, 0, sizeof mr);
    mr.mr_ifindex = (int)ifindex;
    mr.mr_type = PACKET_MR_PROMISC;
    if (setsockopt(a->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr) < 0) FAIL_ERRNO("PACKET_ADD_MEMBERSHIP promiscuous");
  }
  if (group >= 0) {
    /* On loopback every packet passes twice (outgoing, then incoming): keep the incoming copy, as libpcap does. */
    int rc = -1;
    if (fanout_len > 0) {
      rc = join_fanout(a->fd, group, PACKET_FANOUT_CBPF, a->loopback);
      if (rc == 0) {
        a->fanout_mode = "cbpf";
      } else if (errno == EINVAL) {
        snprintf(a->fanout_fallback, sizeof a->fanout_fallback, "PACKET_FANOUT_CBPF refused (%s): kernel before 4.2, or group %d exists in hash mode", strerror(errno), group);
      } else {
        FAIL_ERRNO("PACKET_FANOUT (cbpf)");
      }
    }
    if (rc < 0) {
      rc = join_fanout(a->fd, group, PACKET_FANOUT_HASH, a->loopback);
      if (rc == 0) a->fanout_mode = "hash";
    }
    if (rc < 0) {
      int e = errno;
      if (e == EINVAL || e == ENOSPC) {
        snprintf(msg, sizeof msg, "%s: cannot join fanout group %d (%s): another capture on this host uses the group with other settings or it is full; choose another --fanout-group",
                 device, group, strerror(e));
        if (has_filter) pcap_freecode(&prog);
        return open_fail(env, a, dead, "ERR_CAPTURE_ACTIVATE", msg);
      }
      errno = e;
      FAIL_ERRNO("PACKET_FANOUT");
    }
    if (a->fanout_mode[0] == 'c') {
      struct aps_sock_fprog fp = { (unsigned short)fanout_len, fanout_prog };
      if (setsockopt(a->fd, SOL_PACKET, PACKET_FANOUT_DATA, &fp, sizeof fp) < 0) {
        int e = errno;
        snprintf(msg, sizeof msg, "%s: PACKET_FANOUT_DATA (fanout program of %d instructions): %s", device, fanout_len, strerror(e));
        if (has_filter) pcap_freecode(&prog);
        return open_fail(env, a, dead, "ERR_CAPTURE_FANOUT_PROGRAM", msg);
      }
    }
  }
  free(a->pending_prog);
  a->pending_prog = NULL;
  if (has_filter) {
    struct aps_sock_fprog user = { (unsigned short)prog.bf_len, prog.bf_insns };
    int rc = setsockopt(a->fd, SOL_SOCKET, SO_ATTACH_FILTER, &user, sizeof user);
    if (rc < 0) FAIL_ERRNO("SO_ATTACH_FILTER (capture filter)");
    pcap_freecode(&prog);
    pcap_close(dead);
    dead = NULL;
  } else {
    int dummy = 0;
    if (setsockopt(a->fd, SOL_SOCKET, SO_DETACH_FILTER, &dummy, sizeof dummy) < 0) FAIL_ERRNO("SO_DETACH_FILTER");
  }
#undef FAIL_ERRNO
  /* Counters start now: discard what the set-up phase counted. */
  afp_pull_stats(a);
  a->received = a->dropped = a->freeze = 0;

  if (napi_wrap(env, self, a, afp_finalize, NULL, NULL) != napi_ok) return open_fail(env, a, NULL, "ERR_CAPTURE_INTERNAL", "napi_wrap failed");
  napi_value v;
  napi_create_int32(env, a->linktype, &v);
  napi_set_named_property(env, self, "linkType", v);
  napi_create_int32(env, a->snaplen, &v);
  napi_set_named_property(env, self, "snaplen", v);
  napi_get_boolean(env, true, &v);
  napi_set_named_property(env, self, "nanosecond", v);
  napi_create_string_utf8(env, a->device, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, self, "device", v);
  napi_create_int32(env, a->group, &v);
  napi_set_named_property(env, self, "fanoutGroup", v);
  napi_create_double(env, (double)a->ring_bytes, &v);
  napi_set_named_property(env, self, "ringBytes", v);
  napi_create_string_utf8(env, a->fanout_mode, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, self, "fanoutMode", v);
  if (a->fanout_fallback[0] != '\0') napi_create_string_utf8(env, a->fanout_fallback, NAPI_AUTO_LENGTH, &v);
  else napi_get_null(env, &v);
  napi_set_named_property(env, self, "fanoutFallback", v);
  return self;
}

/*
 * Copies one ring packet as a batch record. Returns 1 when written, 0 when
 * the batch has no room (nothing written; the caller stops and resumes here).
 */
static int copy_packet(afp_t *a, batch_out_t *b, const struct tpacket3_hdr *h) {
  const uint8_t *data = (const uint8_t *)h + h->tp_mac;
  uint32_t cap = h->tp_snaplen;
  uint32_t len = h->tp_len;
  int vlan = a->linktype == LINKTYPE_ETHERNET && cap >= 12 &&
             ((h->tp_status & TP_STATUS_VLAN_VALID) || h->hv1.tp_vlan_tci != 0);
  uint32_t out_cap = cap + (vlan ? 4 : 0);
  uint32_t out_len = len + (vlan ? 4 : 0);
  if (out_cap > (uint32_t)a->snaplen) out_cap = (uint32_t)a->snaplen;
  size_t room = b->len - b->used;
  if (room < RECORD_HEADER_BYTES + (size_t)out_cap) {
    if (b->used > 0 || room <= RECORD_HEADER_BYTES + 16) return 0;
    out_cap = (uint32_t)(room - RECORD_HEADER_BYTES); /* a buffer smaller than one packet: cut it, counted */
    a->truncated++;
  }
  uint8_t *o = b->buf + b->used;
  put_u32le(o, h->tp_sec);
  put_u32le(o + 4, h->tp_nsec);
  put_u32le(o + 8, out_cap);
  put_u32le(o + 12, out_len);
  uint8_t *d = o + RECORD_HEADER_BYTES;
  if (vlan) {
    uint16_t tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) ? h->hv1.tp_vlan_tpid : ETH_P_8021Q;
    uint16_t tci = h->hv1.tp_vlan_tci;
    uint8_t tag[4] = { (uint8_t)(tpid >> 8), (uint8_t)tpid, (uint8_t)(tci >> 8), (uint8_t)tci };
    uint32_t k = out_cap < 12 ? out_cap : 12;
    memcpy(d, data, k);
    uint32_t t = out_cap - k < 4 ? out_cap - k : 4;
    memcpy(d + k, tag, t);
    if (out_cap > 16) memcpy(d + 16, data + 12, out_cap - 16);
  } else {
    memcpy(d, data, out_cap);
  }
  b->used += RECORD_HEADER_BYTES + out_cap;
  b->packets++;
  return 1;
}

/* readBatch(buffer: Uint8Array, maxPackets: number) -> bytes written */
static napi_value afp_read_batch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  afp_t *a = afp_unwrap(env, info, &argc, argv);
  if (a == NULL || a->fd < 0) return throw_code(env, "ERR_CAPTURE_CLOSED", "capture handle is closed");
  if (argc < 2) return throw_code(env, "ERR_CAPTURE_ARG", "readBatch(buffer, maxPackets)");
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  void *data = NULL;
  napi_value ab;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, &ab, &offset) != napi_ok || type != napi_uint8_array)
    return throw_code(env, "ERR_CAPTURE_ARG", "readBatch needs a Uint8Array");
  int32_t max_packets = 0;
  if (napi_get_value_int32(env, argv[1], &max_packets) != napi_ok) return throw_code(env, "ERR_CAPTURE_ARG", "maxPackets must be a number");
  batch_out_t b = { (uint8_t *)data, length, 0, 0 };
  const size_t hdr_sll = TPACKET_ALIGN(sizeof(struct tpacket3_hdr));
  int full = 0;
  while (!full && b.packets < (uint32_t)max_packets) {
    struct tpacket_block_desc *bd = (struct tpacket_block_desc *)(a->ring + (size_t)a->cur_block * a->block_size);
    if (!a->in_block) {
      if ((__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) == 0) break;
      a->in_block = 1;
      a->pkts_left = bd->hdr.bh1.num_pkts;
      a->next_off = bd->hdr.bh1.offset_to_first_pkt;
    }
    while (a->pkts_left > 0 && b.packets < (uint32_t)max_packets) {
      const struct tpacket3_hdr *h = (const struct tpacket3_hdr *)((const uint8_t *)bd + a->next_off);
      const struct sockaddr_ll *sll = (const struct sockaddr_ll *)((const uint8_t *)h + hdr_sll);
      if (a->loopback && sll->sll_pkttype == PACKET_OUTGOING) {
        a->skipped_outgoing++;
      } else if (!copy_packet(a, &b, h)) {
        full = 1;
        break;
      }
      a->next_off += h->tp_next_offset;
      a->pkts_left--;
    }
    if (a->pkts_left == 0) {
      __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
      a->in_block = 0;
      a->cur_block = (a->cur_block + 1) % a->block_nr;
      a->blocks++;
    }
  }
  a->delivered += b.packets;
  napi_value out;
  napi_create_double(env, (double)b.used, &out);
  return out;
}

static napi_value afp_stats(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  afp_t *a = afp_unwrap(env, info, &argc, NULL);
  if (a == NULL || a->fd < 0) return throw_code(env, "ERR_CAPTURE_CLOSED", "capture handle is closed");
  if (afp_pull_stats(a) < 0) {
    char msg[256];
    snprintf(msg, sizeof msg, "%s: PACKET_STATISTICS: %s", a->device, strerror(errno));
    return throw_code(env, "ERR_CAPTURE_READ", msg);
  }
  napi_value o;
  napi_create_object(env, &o);
  set_number(env, o, "received", a->received);
  set_number(env, o, "droppedKernel", a->dropped);
  set_number(env, o, "freezeQueueCount", a->freeze);
  set_number(env, o, "delivered", a->delivered);
  set_number(env, o, "skippedOutgoing", a->skipped_outgoing);
  set_number(env, o, "batchTruncated", a->truncated);
  set_number(env, o, "blocksRead", a->blocks);
  return o;
}

static napi_value afp_start_poll(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  afp_t *a = afp_unwrap(env, info, &argc, argv);
  if (a == NULL || a->fd < 0) return throw_code(env, "ERR_CAPTURE_CLOSED", "capture handle is closed");
  napi_valuetype t;
  if (argc < 1 || napi_typeof(env, argv[0], &t) != napi_ok || t != napi_function)
    return throw_code(env, "ERR_CAPTURE_ARG", "startPoll needs a function");
  char msg[256];
  if (fd_poller_start(env, &a->poller, a->fd, argv[0], "apisensor.afpacket", msg, sizeof msg) != 0)
    return throw_code(env, "ERR_CAPTURE_ACTIVATE", msg);
  return NULL;
}

static napi_value afp_stop_poll(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  afp_t *a = afp_unwrap(env, info, &argc, NULL);
  if (a != NULL) fd_poller_stop(&a->poller);
  return NULL;
}

static napi_value afp_close_js(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  afp_t *a = afp_unwrap(env, info, &argc, NULL);
  if (a != NULL) afp_close(a);
  return NULL;
}

napi_status afpacket_register(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
    { "readBatch", NULL, afp_read_batch, NULL, NULL, NULL, napi_default, NULL },
    { "stats", NULL, afp_stats, NULL, NULL, NULL, napi_default, NULL },
    { "startPoll", NULL, afp_start_poll, NULL, NULL, NULL, napi_default, NULL },
    { "stopPoll", NULL, afp_stop_poll, NULL, NULL, NULL, napi_default, NULL },
    { "close", NULL, afp_close_js, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_value cls;
  napi_status st = napi_define_class(env, "AfPacketHandle", NAPI_AUTO_LENGTH, afp_new, NULL, 5, methods, &cls);
  if (st != napi_ok) return st;
  return napi_set_named_property(env, exports, "AfPacketHandle", cls);
}

#else /* not Linux: no AfPacketHandle export; JavaScript reports the mode as unavailable. */

napi_status afpacket_register(napi_env env, napi_value exports) {
  (void)env;
  (void)exports;
  return napi_ok;
}

#endif
