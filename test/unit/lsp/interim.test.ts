// While a version's data loads, features answer from an interim analysis of the text (issue 15.2):
// the first request of that version waits for the data a moment, later ones answer at once.
import * as assert from 'node:assert/strict';
import { MemoryHost } from '../../../server/src/core/data/memoryHost';
import { DocumentStore } from '../../../server/src/lsp/documents';

/** A host whose reads of `slow` wait until `release` is called. */
class HeldHost extends MemoryHost {
  readonly release: () => void;
  private readonly held: Promise<void>;

  constructor(files: Record<string, string>) {
    super(files);
    let release = () => {};
    this.held = new Promise<void>((resolve) => (release = resolve));
    this.release = release;
  }

  override async read(p: string): Promise<Uint8Array> {
    if (p.endsWith('slow.csv')) await this.held;
    return super.read(p);
  }
}

describe('interim analysis while data loads', () => {
  it("answers a version's later requests from its interim analysis without waiting again", async () => {
    const host = new HeldHost({ '/w/slow.csv': 'N,L\n1,2\n2,3\n' });
    const store = new DocumentStore(host);
    const text = 'dataset d = csv("slow.csv") {\n  N: N\n  L: L\n}\n';
    const doc = { uri: 'file:///w/s.scaling', version: 1, getText: () => text };
    try {
      const first = await store.current(doc, 10);
      assert.equal(first.loading, true);
      // Were it to wait again, this would hang until the read is released (never, before the test's end).
      const second = await store.current(doc, 60_000);
      assert.equal(second, first);
    } finally {
      host.release();
    }
    const loaded = await store.get(doc);
    assert.equal(loaded.loading, undefined);
    assert.equal(loaded.analysis.model.datasets.get('d')?.rowCount, 2);
  });
});
