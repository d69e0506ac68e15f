// SSH's wire encoding (RFC 4251 §5), of which OpenSSH certificates, key revocation lists, private key
// files and the agent protocol are all made: big-endian integers and length-prefixed strings.

export class SshWriter {
  readonly #parts: Buffer[] = [];

  byte(value: number): this {
    this.#parts.push(Buffer.from([value]));
    return this;
  }

  uint32(value: number): this {
    const part = Buffer.alloc(4);
    part.writeUInt32BE(value);
    this.#parts.push(part);
    return this;
  }

  uint64(value: bigint): this {
    const part = Buffer.alloc(8);
    part.writeBigUInt64BE(value);
    this.#parts.push(part);
    return this;
  }

  string(value: Buffer | string): this {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    return this.uint32(bytes.length).raw(bytes);
  }

  raw(bytes: Buffer): this {
    this.#parts.push(bytes);
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.#parts);
  }
}

/** Reads what SshWriter writes; every read past the end throws, so malformed input fails, never misreads. */
export class SshReader {
  #offset = 0;

  constructor(private readonly bytes: Buffer) {}

  #take(length: number): Buffer {
    if (length < 0 || this.#offset + length > this.bytes.length) throw new Error('truncated SSH data');
    const part = this.bytes.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return part;
  }

  byte(): number {
    return this.#take(1)[0]!;
  }

  uint32(): number {
    return this.#take(4).readUInt32BE();
  }

  uint64(): bigint {
    return this.#take(8).readBigUInt64BE();
  }

  string(): Buffer {
    return this.#take(this.uint32());
  }

  text(): string {
    return this.string().toString('utf8');
  }

  get done(): boolean {
    return this.#offset === this.bytes.length;
  }
}
