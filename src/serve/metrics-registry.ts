/**
 * MetricsRegistry: apisensor's Prometheus metrics (text exposition format
 * 0.0.4, served at `/metrics`), built on prom-client with a registry of its
 * own (never the library's global one, so two services in one process do not
 * collide).
 *
 * The pipeline updates it either metric by metric (`metrics.transactions.inc()`)
 * or from running totals (`setTotals({ packets, ... })`: counters advance by
 * the difference, so a replay summary or a worker's cumulative counts can be
 * fed in repeatedly). Gauges are set: `workerQueueDepth.set({ worker: '0' }, n)`,
 * `setMemory('reassembly', usedBytes, capBytes)`.
 *
 * Metric names (all prefixed `apisensor_`): packets_total, capture_drops_total,
 * tcp_gaps_total, flows_total, flows_active, transactions_total,
 * findings_total{type,severity}, inventory_events_total{event},
 * worker_queue_depth{worker}, memory_used_bytes{pool}, memory_cap_bytes{pool},
 * stream_clients, stream_rejected_total{reason}, stream_disconnects_total{reason},
 * stream_messages_sent_total, bus_ring_overwritten_total, http_requests_total{route,status};
 * live capture health, updated on every capture tick (`setCaptureHealth`):
 * capture_received_packets_total, capture_delivered_packets_total,
 * capture_kernel_drops_total, capture_interface_drops_total, capture_drop_rate;
 * plus prom-client's process and Node.js default metrics (`apisensor_process_*`, `apisensor_nodejs_*`).
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export interface PipelineTotals {
  packets?: number;
  drops?: number;
  gaps?: number;
  flows?: number;
  transactions?: number;
}

/** Cumulative live-capture counters (a CaptureHealthSample fits). */
export interface CaptureHealthTotals {
  /** Packets the kernel accepted through the filter, dropped ones included. */
  received: number;
  /** Packets read by apisensor. */
  delivered: number;
  /** Dropped by the kernel: capture ring full. */
  droppedKernel: number;
  /** Dropped by the interface/driver (all traffic, filtered or not). */
  droppedInterface: number;
  /** droppedKernel / received in the current health window, 0..1. */
  windowDropRate: number;
}

export class MetricsRegistry {
  readonly registry = new Registry();
  readonly packets = new Counter({ name: 'apisensor_packets_total', help: 'Packets read from the capture source.', registers: [this.registry] });
  readonly drops = new Counter({ name: 'apisensor_capture_drops_total', help: 'Packets dropped by the capture (kernel or interface).', registers: [this.registry] });
  readonly gaps = new Counter({ name: 'apisensor_tcp_gaps_total', help: 'TCP reassembly gaps handed to the HTTP layer.', registers: [this.registry] });
  readonly flows = new Counter({ name: 'apisensor_flows_total', help: 'TCP flows seen.', registers: [this.registry] });
  readonly flowsActive = new Gauge({ name: 'apisensor_flows_active', help: 'TCP flows currently tracked.', registers: [this.registry] });
  readonly transactions = new Counter({ name: 'apisensor_transactions_total', help: 'HTTP transactions produced.', registers: [this.registry] });
  readonly findings = new Counter({ name: 'apisensor_findings_total', help: 'Finding emissions published (each revision of an episode counts once), by type and severity.', labelNames: ['type', 'severity'] as const, registers: [this.registry] });
  readonly inventoryEvents = new Counter({ name: 'apisensor_inventory_events_total', help: 'Inventory-change events published.', labelNames: ['event'] as const, registers: [this.registry] });
  readonly workerQueueDepth = new Gauge({ name: 'apisensor_worker_queue_depth', help: 'Batches queued per worker.', labelNames: ['worker'] as const, registers: [this.registry] });
  readonly memoryUsed = new Gauge({ name: 'apisensor_memory_used_bytes', help: 'Bytes held per capped memory pool.', labelNames: ['pool'] as const, registers: [this.registry] });
  readonly memoryCap = new Gauge({ name: 'apisensor_memory_cap_bytes', help: 'Cap of each memory pool, bytes.', labelNames: ['pool'] as const, registers: [this.registry] });
  readonly streamClients = new Gauge({ name: 'apisensor_stream_clients', help: 'WebSocket stream clients connected.', registers: [this.registry] });
  readonly streamRejected = new Counter({ name: 'apisensor_stream_rejected_total', help: 'Refused WebSocket upgrades, by reason.', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly streamDisconnects = new Counter({ name: 'apisensor_stream_disconnects_total', help: 'Stream clients disconnected by the server, by reason.', labelNames: ['reason'] as const, registers: [this.registry] });
  readonly streamMessagesSent = new Counter({ name: 'apisensor_stream_messages_sent_total', help: 'Messages sent to stream clients.', registers: [this.registry] });
  readonly ringOverwritten = new Counter({ name: 'apisensor_bus_ring_overwritten_total', help: 'Messages overwritten in the resume ring buffer.', registers: [this.registry] });
  readonly httpRequests = new Counter({ name: 'apisensor_http_requests_total', help: 'HTTP API requests, by route and status.', labelNames: ['route', 'status'] as const, registers: [this.registry] });
  readonly captureReceived = new Counter({ name: 'apisensor_capture_received_packets_total', help: 'Live capture: packets the kernel accepted through the filter (dropped ones included).', registers: [this.registry] });
  readonly captureDelivered = new Counter({ name: 'apisensor_capture_delivered_packets_total', help: 'Live capture: packets read by apisensor.', registers: [this.registry] });
  readonly captureKernelDrops = new Counter({ name: 'apisensor_capture_kernel_drops_total', help: 'Live capture: packets dropped by the kernel (capture buffer full).', registers: [this.registry] });
  readonly captureInterfaceDrops = new Counter({ name: 'apisensor_capture_interface_drops_total', help: 'Live capture: packets dropped by the interface or driver.', registers: [this.registry] });
  readonly captureDropRate = new Gauge({ name: 'apisensor_capture_drop_rate', help: 'Live capture: kernel drops / packets received in the current health window (0..1).', registers: [this.registry] });
  #totals: Required<PipelineTotals> = { packets: 0, drops: 0, gaps: 0, flows: 0, transactions: 0 };
  #capture = { received: 0, delivered: 0, droppedKernel: 0, droppedInterface: 0 };

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'apisensor_' });
  }

  /** Advance counters to running totals (a total below the last one seen is ignored). */
  setTotals(t: PipelineTotals): void {
    const step = (key: keyof PipelineTotals, c: Counter): void => {
      const v = t[key];
      if (v === undefined || !(v > this.#totals[key])) return;
      c.inc(v - this.#totals[key]);
      this.#totals[key] = v;
    };
    step('packets', this.packets);
    step('drops', this.drops);
    step('gaps', this.gaps);
    step('flows', this.flows);
    step('transactions', this.transactions);
  }

  /**
   * Live capture health from cumulative counters (counters advance by the
   * difference; a value below the last one seen is ignored) and the current
   * window's drop rate. Also advances `apisensor_capture_drops_total` to
   * droppedKernel + droppedInterface.
   */
  setCaptureHealth(h: CaptureHealthTotals): void {
    const c = this.#capture;
    const step = (key: keyof typeof c, counter: Counter): void => {
      if (!(h[key] > c[key])) return;
      counter.inc(h[key] - c[key]);
      c[key] = h[key];
    };
    step('received', this.captureReceived);
    step('delivered', this.captureDelivered);
    step('droppedKernel', this.captureKernelDrops);
    step('droppedInterface', this.captureInterfaceDrops);
    this.captureDropRate.set(h.windowDropRate);
    this.setTotals({ drops: c.droppedKernel + c.droppedInterface });
  }

  /** Set a memory pool's use and cap, bytes. */
  setMemory(pool: string, usedBytes: number, capBytes: number): void {
    this.memoryUsed.set({ pool }, usedBytes);
    this.memoryCap.set({ pool }, capBytes);
  }

  /** Text exposition (content type `contentType`). */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
