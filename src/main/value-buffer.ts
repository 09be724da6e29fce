/**
 * Encoded values of one batch, appended back to back into a growing buffer that is later
 * transferred to the shard's thread whole.
 */
const INITIAL_CAPACITY = 1024;

export class ValueBuffer {
  private bytes = new Uint8Array(INITIAL_CAPACITY);
  private length = 0;

  append(value: Uint8Array): void {
    const needed = this.length + value.byteLength;
    if (needed > this.bytes.byteLength) {
      // Allocated directly (never from Buffer's shared pool) because it will be transferred.
      const grown = new Uint8Array(Math.max(needed, this.bytes.byteLength * 2));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(value, this.length);
    this.length = needed;
  }

  /** Hands over what was appended and starts over with a new buffer. */
  take(): Uint8Array {
    const taken = this.bytes.subarray(0, this.length);
    this.bytes = new Uint8Array(INITIAL_CAPACITY);
    this.length = 0;
    return taken;
  }
}
