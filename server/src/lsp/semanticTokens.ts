// Semantic tokens: law names, datasets, variables vs parameters, catalogue laws and numbers, on top
// of the TextMate grammar (which colours keywords, strings and comments).
import { SemanticTokensBuilder, type SemanticTokens, type SemanticTokensLegend } from 'vscode-languageserver';
import type * as A from '../core/syntax/ast';
import type { Analysis } from '../core/study';
import { tooLargeFor } from './limits';
import { symbolIndex, type Occurrence } from './symbolIndex';

const TOKEN_TYPES = ['function', 'namespace', 'variable', 'parameter', 'number', 'property', 'class'] as const;
const TOKEN_MODIFIERS = ['declaration', 'readonly', 'defaultLibrary'] as const;
export const LEGEND: SemanticTokensLegend = { tokenTypes: [...TOKEN_TYPES], tokenModifiers: [...TOKEN_MODIFIERS] };

type TokenType = (typeof TOKEN_TYPES)[number];

function typeOf(o: Occurrence): TokenType {
  switch (o.kind) {
    case 'law':
      return 'function';
    case 'catalogue':
      return 'function';
    case 'isoflop':
      return 'class';
    case 'dataset':
      return 'namespace';
    case 'parameter':
      return 'parameter';
    case 'column':
      return 'property';
    default:
      return 'variable';
  }
}

export function semanticTokens(analysis: Analysis): SemanticTokens {
  if (tooLargeFor(analysis, 'semantic highlighting')) return { data: [] };
  const raw: { start: number; end: number; type: number; mods: number }[] = [];
  for (const o of symbolIndex(analysis).occurrences) {
    let mods = 0;
    if (o.declaration) mods |= 1;
    if (o.computed) mods |= 2;
    if (o.kind === 'catalogue') mods |= 4;
    raw.push({ start: o.range.start, end: o.range.end, type: TOKEN_TYPES.indexOf(typeOf(o)), mods });
  }
  const numberType = TOKEN_TYPES.indexOf('number');
  const visit = (e: A.Expr | undefined) => {
    if (!e) return;
    if (e.kind === 'Number') raw.push({ start: e.range.start, end: e.range.end, type: numberType, mods: 0 });
    else if (e.kind === 'Unary') visit(e.operand);
    else if (e.kind === 'Binary') {
      visit(e.left);
      visit(e.right);
    } else if (e.kind === 'Call') e.args.forEach(visit);
  };
  for (const s of analysis.parsed.file.statements) {
    switch (s.kind) {
      case 'Compute':
        visit(s.formula);
        break;
      case 'Dataset':
        s.where.forEach(visit);
        break;
      case 'Runs':
        for (const r of s.rows) for (const c of r.cells) if (c.kind === 'Number') visit(c);
        break;
      case 'Law':
        visit(s.formula);
        for (const b of s.body) {
          if (b.kind === 'Holdout') visit(b.condition);
          else if (b.kind === 'Weight') visit(b.expr);
          else if (b.kind === 'Objective') visit(b.delta);
          else if (b.kind === 'Param') {
            visit(b.fixed);
            visit(b.bounds?.lower);
            visit(b.bounds?.upper);
            if (b.init?.kind === 'InitGrid') [b.init.from, b.init.to, b.init.step].forEach(visit);
            else if (b.init?.kind === 'InitValues') b.init.values.forEach(visit);
          } else if (b.kind === 'Uncertainty') [b.resamples, b.seed, b.level].forEach((n) => n && visit(n));
        }
        break;
      case 'Isoflop':
      case 'Sweep':
        for (const i of s.items) {
          if (i.kind === 'Holdout') visit(i.condition);
          else if (i.kind === 'SweepMinimum' && i.window) visit(i.window);
        }
        break;
      case 'Predict':
        s.at.forEach((a) => visit(a.value));
        break;
      case 'Optimize':
        s.budget.forEach((a) => visit(a.value));
        break;
      case 'Frontier':
        for (const e of [s.from, s.to, s.points]) if (e) visit(e);
        break;
      case 'Plan':
        s.point.forEach((a) => visit(a.value));
        if (s.budget) visit(s.budget);
        break;
      case 'Compare':
        for (const e of [s.folds, s.seed]) if (e) visit(e);
        break;
    }
  }
  // Formula NameRefs substituted from the catalogue share the call's range: drop overlaps.
  raw.sort((a, b) => a.start - b.start || a.end - b.end);
  // The builder does LSP's relative (delta) encoding; tokens must arrive in document order.
  const builder = new SemanticTokensBuilder();
  let lastEnd = -1;
  for (const t of raw) {
    if (t.start < lastEnd || t.end <= t.start) continue;
    const p = analysis.lines.position(t.start);
    const e = analysis.lines.position(t.end);
    if (e.line !== p.line) continue;
    builder.push(p.line, p.character, t.end - t.start, t.type, t.mods);
    lastEnd = t.end;
  }
  return builder.build();
}
