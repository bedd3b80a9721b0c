/** Piscina entry for the read+unzip baseline on worker threads. */
import { inflateFile } from './zip.js';

export default function inflate(path: string): Promise<number> {
  return inflateFile(path);
}
