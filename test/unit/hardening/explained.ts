// A failed number in fit results (NaN in memory, null in `fit --json`) must come with the
// diagnostic that explains it, on its own statement: not just "some diagnostic exists".
import * as assert from 'node:assert/strict';
import type { Diagnostic } from '../../../server/src/core/diagnostics';
import type { StudyModel } from '../../../server/src/core/model';
import type { StudyResults } from '../../../server/src/core/results';

/** Why a law has no fit (its stop reason) → the diagnostic the engine gives for it. */
const NO_FIT_CODE: Record<string, string> = {
  'formula-error': 'scaling.formula',
  'missing-data': 'scaling.missing-column',
  'too-few-rows': 'scaling.too-few-rows',
  cancelled: 'scaling.fit-cancelled',
  diverged: 'scaling.fit-diverged',
};

const within = (d: Diagnostic, r: { start: number; end: number }) => d.range.start >= r.start && d.range.end <= r.end;

/** Asserts every failed law, prediction and optimum of `results` is explained by its own diagnostic. */
export function assertFailuresExplained(
  model: StudyModel,
  results: Pick<StudyResults, 'laws' | 'predictions' | 'optima'>,
  diagnostics: Diagnostic[],
): void {
  const show = () => JSON.stringify(diagnostics.map((d) => [d.code, d.range.start, d.range.end, d.message]));
  for (const law of results.laws) {
    const bound = model.laws.find((l) => l.name === law.name);
    assert.ok(bound, `result for unknown law ${law.name}`);
    // A `per` law without shared parameters keeps its parameters per group: each group is
    // checked as a law of its own (fitted, or its failure explained inside the law).
    const fits = law.groups && Object.keys(law.params).length === 0 ? law.groups : [law];
    for (const fit of fits) {
      const label = 'value' in fit ? `${law.name}[${String(fit.value)}]` : law.name;
      const names = Object.keys(fit.params);
      if (names.length === 0) {
        const code = NO_FIT_CODE[fit.stop_reason];
        assert.ok(code, `law ${label} has no parameters and stop reason '${fit.stop_reason}'`);
        assert.ok(
          diagnostics.some((d) => d.code === code && within(d, bound.range)),
          `law ${label} stopped '${fit.stop_reason}' without ${code} inside the law: ${show()}`,
        );
      } else for (const k of names) assert.ok(Number.isFinite(fit.params[k]), `${label}.${k} = ${fit.params[k]}`);
    }
  }
  // One result per statement whose law was fitted, in statement order.
  const fitted = new Set(results.laws.map((l) => l.name));
  const questions = [
    { stmts: model.predictions, got: results.predictions, code: 'scaling.predict-failed' },
    { stmts: model.optima, got: results.optima, code: 'scaling.optimize-failed' },
  ];
  for (const { stmts, got, code } of questions) {
    const asked = stmts.filter((s) => fitted.has(s.law));
    assert.equal(got.length, asked.length, `${code}: ${got.length} results for ${asked.length} statements`);
    got.forEach((x, i) => {
      assert.equal(x.law, asked[i].law);
      if (Number.isFinite(x.value)) return;
      assert.ok(x.value === null, `${x.law}: value ${x.value} (a failure is null, as in the JSON)`);
      const r = asked[i].range;
      assert.ok(
        diagnostics.some((d) => d.code === code && d.range.start === r.start && d.range.end === r.end),
        `${x.law}: failed value without ${code} on its statement [${r.start}, ${r.end}]: ${show()}`,
      );
    });
  }
}
