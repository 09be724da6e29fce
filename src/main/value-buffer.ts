/**
 * Encoded values of one batch, gathered as they are encoded and joined into one buffer when
 * the batch leaves, to be transferred to the shard's thread whole.
 *
 * The pieces are views into msgpackr's output buffer, which msgpackr never writes over (each
 * encoding continues after the previous one), so holding them until the flush is safe and
 * saves copying every value twice.
 */
export class ValueBuffer {
  private pieces: Uint8Array[] = [];
  private length = 0;

  append(value: Uint8Array): void {
    this.pieces.push(value);
    this.length += value.byteLength;
  }

  /** Hands over what was appended, joined, and starts over. */
  take(): Uint8Array {
    // Not from Buffer's shared pool (it will be transferred) and not zero-filled (every byte
    // is written below).
    const joined = Buffer.allocUnsafeSlow(this.length);
    let offset = 0;
    for (const piece of this.pieces) {
      joined.set(piece, offset);
      offset += piece.byteLength;
    }
    this.pieces = [];
    this.length = 0;
    return joined;
  }
}
