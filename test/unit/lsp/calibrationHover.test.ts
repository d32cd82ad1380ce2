// Issue 12.5: a method whose 90% intervals fell outside 80–97% in the calibration bench says so
// in the hover of a prediction it made; the same prediction by a method inside the band does not.
import * as assert from 'node:assert/strict';
import { hover } from '../../../server/src/lsp/hover';
import { OUT_OF_BAND } from '../../../server/src/present/calibration';
import { analyzeText, fakeResults, STUDY_TEXT } from './helpers';

describe('calibration notes in the predict hover', () => {
  it('kaplan_n with profile intervals carries the bench note; with bootstrap it does not', async () => {
    // The fixture study's `law kaplan: kaplan_n(N)`; one more predict line on it.
    const text = `${STUDY_TEXT}\npredict kaplan at N = 1e12\n`;
    const a = await analyzeText(text);
    const offset = text.lastIndexOf('predict kaplan') + 2;
    const hoverWith = (method: 'profile' | 'bootstrap') => {
      const results = fakeResults(a);
      for (const p of results.predictions) p.interval_method = method;
      const h = hover(a, results, offset);
      assert.ok(h, 'no hover');
      return (h.contents as { value: string }).value.replace(/\\(.)/g, '$1');
    };
    const note = OUT_OF_BAND.find((c) => c.law === 'kaplan_n' && c.method === 'profile')!;
    const profiled = hoverWith('profile');
    assert.match(profiled, /\(90% profile\)/);
    assert.ok(
      profiled.includes(`covered ${Math.round(100 * note.coverage)}% in 60 replicates`),
      `no calibration note in\n${profiled}`,
    );
    assert.match(profiled, /outside 80–97%/);
    assert.doesNotMatch(hoverWith('bootstrap'), /calibration/);
  });
});
