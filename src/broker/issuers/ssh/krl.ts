// OpenSSH key revocation lists (PROTOCOL.krl): sshd reads the file RevokedKeys names at every login;
// ssh-keygen -Q checks a certificate against it. jit adds its serials to the file as it finds it: every
// other section (other CAs, keys revoked by hand with ssh-keygen -k -u, ranges) is kept as it was.
import { SshReader, SshWriter } from '../../../platform/ssh-wire.js';

const MAGIC = 0x5353484b524c0a00n; // "SSHKRL\n\0"
const FORMAT_VERSION = 1;
const SECTION_CERTIFICATES = 1;
const SECTION_SIGNATURE = 4;
const CERT_SECTION_SERIAL_LIST = 0x20;
const CERT_SECTION_SERIAL_RANGE = 0x21;

interface Section {
  type: number;
  data: Buffer;
}

interface ParsedKrl {
  version: bigint;
  flags: bigint;
  reserved: Buffer;
  comment: Buffer;
  sections: Section[];
}

/** The KRL's parts; throws on anything that is not a KRL this module can keep whole. */
function parse(bytes: Buffer): ParsedKrl {
  if (bytes.length < 12 || bytes.readBigUInt64BE(0) !== MAGIC) throw new Error('not an OpenSSH KRL');
  const reader = new SshReader(bytes);
  reader.uint64();
  if (reader.uint32() !== FORMAT_VERSION) throw new Error('a KRL format this jit does not know');
  const version = reader.uint64();
  reader.uint64(); // generated
  const flags = reader.uint64();
  const reserved = reader.string();
  const comment = reader.string();
  const sections: Section[] = [];
  while (!reader.done) {
    const type = reader.byte();
    // Adding to a signed KRL would break its signature: refused rather than silently unsigned.
    if (type === SECTION_SIGNATURE) throw new Error('the KRL is signed; jit cannot add to it');
    sections.push({ type, data: Buffer.from(reader.string()) });
  }
  return { version, flags, reserved, comment, sections };
}

/** A certificates section's CA blob and its subsections. */
function certificateSection(data: Buffer): { ca: Buffer; reserved: Buffer; parts: Section[] } {
  const reader = new SshReader(data);
  const ca = Buffer.from(reader.string());
  const reserved = Buffer.from(reader.string());
  const parts: Section[] = [];
  while (!reader.done) parts.push({ type: reader.byte(), data: Buffer.from(reader.string()) });
  return { ca, reserved, parts };
}

function serialsIn(list: Buffer): bigint[] {
  const reader = new SshReader(list);
  const serials: bigint[] = [];
  while (!reader.done) serials.push(reader.uint64());
  return serials;
}

/**
 * `existing` (a KRL, or undefined/empty for none yet) with `serials` of the CA whose public key blob is
 * `caBlob` added. Throws when `existing` cannot be kept whole (not a KRL, signed): then nothing is written.
 */
export function addSerials(existing: Buffer | undefined, caBlob: Buffer, serials: readonly bigint[], nowSeconds: number): Buffer {
  const parsed: ParsedKrl = existing?.length ? parse(existing) : { version: 0n, flags: 0n, reserved: Buffer.alloc(0), comment: Buffer.from('jit'), sections: [] };
  const ours = new Set<bigint>(serials);
  const keptParts: Section[] = [];
  let reserved: Buffer = Buffer.alloc(0);
  const others = parsed.sections.filter((section) => {
    if (section.type !== SECTION_CERTIFICATES) return true;
    const certificates = certificateSection(section.data);
    if (!certificates.ca.equals(caBlob)) return true;
    reserved = certificates.reserved;
    for (const part of certificates.parts) {
      if (part.type === CERT_SECTION_SERIAL_LIST) serialsIn(part.data).forEach((serial) => ours.add(serial));
      else keptParts.push(part);
    }
    return false;
  });
  const list = new SshWriter();
  for (const serial of [...ours].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) list.uint64(serial);
  const section = new SshWriter().string(caBlob).string(reserved);
  for (const part of keptParts) section.byte(part.type).string(part.data);
  section.byte(CERT_SECTION_SERIAL_LIST).string(list.toBuffer());
  const version = parsed.version + 1n > BigInt(nowSeconds) ? parsed.version + 1n : BigInt(nowSeconds);
  const krl = new SshWriter().uint64(MAGIC).uint32(FORMAT_VERSION).uint64(version).uint64(BigInt(nowSeconds)).uint64(parsed.flags).string(parsed.reserved).string(parsed.comment);
  for (const other of others) krl.byte(other.type).string(other.data);
  krl.byte(SECTION_CERTIFICATES).string(section.toBuffer());
  return krl.toBuffer();
}

/** Whether the KRL revokes `serial` of the CA `caBlob` (by list or range); false for anything unreadable. */
export function revokesSerial(bytes: Buffer, caBlob: Buffer, serial: bigint): boolean {
  try {
    for (const section of parse(bytes).sections) {
      if (section.type !== SECTION_CERTIFICATES) continue;
      const certificates = certificateSection(section.data);
      if (!certificates.ca.equals(caBlob)) continue;
      for (const part of certificates.parts) {
        if (part.type === CERT_SECTION_SERIAL_LIST && serialsIn(part.data).includes(serial)) return true;
        if (part.type === CERT_SECTION_SERIAL_RANGE) {
          const range = new SshReader(part.data);
          const [low, high] = [range.uint64(), range.uint64()];
          if (low <= serial && serial <= high) return true;
        }
      }
    }
  } catch {
    return false;
  }
  return false;
}

/** Checks that `bytes` is a KRL jit can add to: throws the reason otherwise. */
export function assertExtensible(bytes: Buffer): void {
  if (bytes.length) parse(bytes);
}
