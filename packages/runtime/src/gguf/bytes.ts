/** Growable little-endian byte buffer for building GGUF headers. */
export class ByteBuilder {
  private buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): number {
    const at = this.length;
    if (at + n > this.buf.byteLength) {
      let cap = this.buf.byteLength * 2;
      while (cap < at + n) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, at));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    this.length += n;
    return at;
  }
  u8(v: number) { this.view.setUint8(this.reserve(1), v); }
  i8(v: number) { this.view.setInt8(this.reserve(1), v); }
  u16(v: number) { this.view.setUint16(this.reserve(2), v, true); }
  i16(v: number) { this.view.setInt16(this.reserve(2), v, true); }
  u32(v: number) { this.view.setUint32(this.reserve(4), v, true); }
  i32(v: number) { this.view.setInt32(this.reserve(4), v, true); }
  f32(v: number) { this.view.setFloat32(this.reserve(4), v, true); }
  f64(v: number) { this.view.setFloat64(this.reserve(8), v, true); }
  u64(v: bigint) { this.view.setBigUint64(this.reserve(8), v, true); }
  i64(v: bigint) { this.view.setBigInt64(this.reserve(8), v, true); }
  bytes(b: Uint8Array) { this.buf.set(b, this.reserve(b.byteLength)); }
  zeros(n: number) { this.buf.fill(0, this.reserve(n), this.length); }
  /** A view of the bytes written so far. */
  result(): Uint8Array { return this.buf.subarray(0, this.length); }
}
