// OpenSSH key revocation lists (PROTOCOL.krl): the certificate serials one CA has revoked. sshd reads
// the file named by RevokedKeys at every login; ssh-keygen -Q checks a certificate against it.
import { SshReader, SshWriter } from '../../../platform/ssh-wire.js';

const MAGIC = 0x5353484b524c0a00n; // "SSHKRL\n\0"
const FORMAT_VERSION = 1;
const SECTION_CERTIFICATES = 1;
const CERT_SECTION_SERIAL_LIST = 0x20;

/** A KRL revoking `serials` of the CA whose public key blob is `caBlob`. `version` must grow with each file. */
export function encodeKrl(caBlob: Buffer, serials: readonly bigint[], version: bigint, generatedAtSeconds: number): Buffer {
  const sorted = [...new Set(serials)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const list = new SshWriter();
  for (const serial of sorted) list.uint64(serial);
  const certificates = new SshWriter().string(caBlob).string('');
  if (sorted.length > 0) certificates.byte(CERT_SECTION_SERIAL_LIST).string(list.toBuffer());
  return new SshWriter()
    .uint64(MAGIC)
    .uint32(FORMAT_VERSION)
    .uint64(version)
    .uint64(BigInt(generatedAtSeconds))
    .uint64(0n)
    .string('')
    .string('written by jit')
    .byte(SECTION_CERTIFICATES)
    .string(certificates.toBuffer())
    .toBuffer();
}

/** The version and the serials revoked for `caBlob` in a KRL this module wrote; throws on anything else. */
export function decodeKrl(bytes: Buffer, caBlob: Buffer): { version: bigint; serials: bigint[] } {
  const reader = new SshReader(bytes);
  if (reader.uint64() !== MAGIC || reader.uint32() !== FORMAT_VERSION) throw new Error('not a KRL');
  const version = reader.uint64();
  reader.uint64(); // generated
  reader.uint64(); // flags
  reader.string(); // reserved
  reader.string(); // comment
  const serials: bigint[] = [];
  while (!reader.done) {
    const type = reader.byte();
    const data = new SshReader(reader.string());
    if (type !== SECTION_CERTIFICATES) continue;
    const ca = data.string();
    data.string(); // reserved
    while (!data.done) {
      const kind = data.byte();
      const section = new SshReader(data.string());
      if (kind !== CERT_SECTION_SERIAL_LIST || !ca.equals(caBlob)) continue;
      while (!section.done) serials.push(section.uint64());
    }
  }
  return { version, serials };
}
