// The YAML parser behind an ESM facade. yaml ships CommonJS, whose named exports a dynamic
// import of the bundle cannot see; importing this module lazily keeps them, and keeps the
// parser's ~25 ms of start-up off every command that reads no YAML file.
export { isMap, isSeq, LineCounter, parse, parseDocument, type Document } from 'yaml';
