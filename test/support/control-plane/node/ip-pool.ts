/**
 * Hands out pod IPs from an IPv4 CIDR, unique among the pods that hold one.
 * No packet ever reaches them; they exist so that what reads `status.podIP`
 * (Endpoints, the operator's routes) sees distinct, plausible addresses.
 */
export class IpPool {
  readonly #base: number;
  readonly #size: number;
  readonly #used = new Set<number>();
  #next = 1;

  constructor(cidr: string) {
    const [address, bits] = cidr.split('/');
    const prefix = Number(bits);
    const octets = (address ?? '').split('.').map(Number);
    if (
      octets.length !== 4 ||
      octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255) ||
      !(prefix >= 8 && prefix <= 30)
    ) {
      throw new Error(`not an IPv4 CIDR between /8 and /30: ${cidr}`);
    }
    this.#size = 2 ** (32 - prefix);
    const value = octets.reduce((acc, octet) => acc * 256 + octet, 0);
    this.#base = value - (value % this.#size);
  }

  /** The next free address (the network and broadcast addresses are never handed out). */
  allocate(): string {
    for (let tried = 0; tried < this.#size; tried++) {
      const offset = this.#next;
      this.#next = this.#next + 1 >= this.#size - 1 ? 1 : this.#next + 1;
      if (!this.#used.has(offset)) {
        this.#used.add(offset);
        return toIp(this.#base + offset);
      }
    }
    throw new Error('the pod CIDR is exhausted');
  }

  /** Marks an address in use (taken over from an existing pod); addresses outside the CIDR are ignored. */
  reserve(ip: string): void {
    const offset = fromIp(ip) - this.#base;
    if (offset > 0 && offset < this.#size - 1) this.#used.add(offset);
  }

  release(ip: string): void {
    this.#used.delete(fromIp(ip) - this.#base);
  }
}

function toIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

function fromIp(ip: string): number {
  return ip
    .split('.')
    .map(Number)
    .reduce((acc, octet) => acc * 256 + octet, 0);
}
