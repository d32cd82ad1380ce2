// The data hosts tests analyse with: node's file system for the fixtures on disk, or a map in memory.
import { DataLoader } from '../../server/src/core/data/loader';
import { MemoryHost } from '../../server/src/core/data/memoryHost';
import { NodeHost } from '../../server/src/host/nodeHost';

/** One loader over the real file system, shared by a test file (its cache is what the server's is). */
export function diskLoader(): DataLoader {
  return new DataLoader(new NodeHost());
}

/** A loader over files held in memory: path → contents. */
export function memoryLoader(files: Record<string, string> = {}): { loader: DataLoader; host: MemoryHost } {
  const host = new MemoryHost(files);
  return { loader: new DataLoader(host), host };
}
