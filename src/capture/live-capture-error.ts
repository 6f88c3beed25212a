/**
 * Errors of live capture, each with a stable code (README, "Error codes"):
 *
 *   ERR_CAPTURE_ADDON_MISSING  the libpcap addon is not built / does not load     exit 1
 *   ERR_CAPTURE_NO_DEVICE      no such interface                                   exit 2
 *   ERR_CAPTURE_IFACE_DOWN     the interface is administratively down              exit 2
 *   ERR_CAPTURE_PERMISSION     no CAP_NET_RAW (or CAP_NET_ADMIN for promiscuous)   exit 2
 *   ERR_CAPTURE_FILTER         the BPF filter does not compile                     exit 2
 *   ERR_CAPTURE_ACTIVATE       libpcap could not open the interface otherwise      exit 1
 *   ERR_CAPTURE_READ           reading failed mid-capture (interface removed...)   exit 1
 *   ERR_CAPTURE_AFPACKET_UNSUPPORTED  --capture-mode afpacket off Linux, or on 'any'   exit 2
 *   ERR_CAPTURE_WORKER         an afpacket capture worker failed                    exit 1
 */
import { ApisensorError } from '../errors.js';

export class LiveCaptureError extends ApisensorError {
  /** Interface the error is about, when known. */
  readonly device: string | null;

  constructor(code: string, message: string, exitCode = 2, device: string | null = null) {
    super(code, message, exitCode);
    this.name = 'LiveCaptureError';
    this.device = device;
  }
}
