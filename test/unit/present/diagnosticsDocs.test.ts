// Diagnostics that teach: every code the server can emit has an entry in docs/diagnostics.md (what,
// why, fix), and each LSP diagnostic links to its entry through codeDescription.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { diagnostic } from '../../../server/src/core/diagnostics';
import { LineIndex } from '../../../server/src/core/syntax/lineIndex';
import { diagnosticAnchor, toLspDiagnostic } from '../../../server/src/lsp/diagnostics';

const ROOT = path.resolve(__dirname, '../../..');
const DOC = fs.readFileSync(path.join(ROOT, 'docs/diagnostics.md'), 'utf8');

/** Every `'scaling.xxx'` literal in the server's source: the codes it can emit. */
function emittedCodes(): Set<string> {
  const out = new Set<string>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts'))
        for (const m of fs.readFileSync(p, 'utf8').matchAll(/'(scaling\.[a-z0-9-]+)'/g))
          if (!m[1].endsWith('-')) out.add(m[1]);
    }
  };
  walk(path.join(ROOT, 'server/src'));
  return out;
}

describe('diagnostics docs', () => {
  it('every emitted code has an entry with what it means, why it matters and how to fix it', () => {
    const codes = emittedCodes();
    assert.ok(codes.size > 40, `found only ${codes.size} codes: is the scan broken?`);
    for (const code of codes) {
      const at = DOC.indexOf(`\n## ${code}\n`);
      assert.ok(at >= 0, `docs/diagnostics.md has no entry for ${code}`);
      const entry = DOC.slice(at + 1).split('\n## ')[0];
      for (const part of ['**What:**', '**Why it matters:**', '**Fix:**'])
        assert.ok(entry.includes(part), `${code}: ${part}`);
    }
  });

  it('LSP diagnostics link to their entry through codeDescription', () => {
    const d = toLspDiagnostic(
      diagnostic('warning', 'scaling.extrapolation', 'far', { start: 0, end: 1 }),
      new LineIndex('x\n'),
    );
    const href = d.codeDescription?.href;
    assert.ok(href, 'a codeDescription');
    const [file, anchor] = href.split('#');
    assert.equal(fs.realpathSync(fileURLToPath(file)), fs.realpathSync(path.join(ROOT, 'docs/diagnostics.md')));
    assert.equal(anchor, diagnosticAnchor('scaling.extrapolation'));
    assert.equal(anchor, 'scalingextrapolation', 'the anchor GitHub and VS Code give `## scaling.extrapolation`');
  });
});
