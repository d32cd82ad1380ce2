// Every named thing a study declares or uses, with its source range: the base of go to definition,
// references, rename, hover, semantic tokens and completion. Built once per analysis (cached).
import type * as A from '../core/syntax/ast';
import type { Analysis } from '../core/study';
import { catalogue } from '../core/laws';

type SymbolKind = 'law' | 'isoflop' | 'dataset' | 'variable' | 'parameter' | 'column' | 'catalogue';

export interface Occurrence {
  name: string;
  kind: SymbolKind;
  range: A.Range;
  declaration: boolean;
  /** For parameters: the law they belong to. */
  scope?: string;
  /** A `compute` variable. */
  computed?: boolean;
}

interface SymbolIndex {
  occurrences: Occurrence[];
  /** Variables: from column maps, runs headers and `compute` lines. */
  variables: Set<string>;
  /** Parameter names per law. */
  params: Map<string, string[]>;
  laws: Map<string, A.LawDecl>;
  isoflops: Map<string, A.IsoflopDecl>;
  datasets: Map<string, A.DatasetDecl | A.RunsDecl>;
}

const cache = new WeakMap<Analysis, SymbolIndex>();

export function symbolIndex(analysis: Analysis): SymbolIndex {
  let index = cache.get(analysis);
  if (!index) {
    index = build(analysis);
    cache.set(analysis, index);
  }
  return index;
}

function build(analysis: Analysis): SymbolIndex {
  const statements = analysis.parsed.file.statements;
  const occurrences: Occurrence[] = [];
  const variables = new Set<string>();
  const params = new Map<string, string[]>();
  const laws = new Map<string, A.LawDecl>();
  const isoflops = new Map<string, A.IsoflopDecl>();
  const datasets = new Map<string, A.DatasetDecl | A.RunsDecl>();
  const add = (name: string, kind: SymbolKind, range: A.Range, declaration: boolean, extra: Partial<Occurrence> = {}) =>
    occurrences.push({ name, kind, range, declaration, ...extra });

  // Pass 1: what is declared.
  const computed = new Set<string>();
  for (const s of statements) {
    if (s.kind === 'Compute' && s.name) {
      variables.add(s.name.text);
      computed.add(s.name.text);
    } else if (s.kind === 'Dataset') {
      if (s.name && !datasets.has(s.name.text)) datasets.set(s.name.text, s);
      for (const m of s.columns) variables.add(m.variable.text);
    } else if (s.kind === 'Runs') {
      if (s.name && !datasets.has(s.name.text)) datasets.set(s.name.text, s);
      for (const h of s.header) variables.add(h.text);
    } else if (s.kind === 'Law' && s.name && !laws.has(s.name.text)) laws.set(s.name.text, s);
    else if (s.kind === 'Isoflop' && s.name && !isoflops.has(s.name.text)) isoflops.set(s.name.text, s);
  }
  const bound = new Map(analysis.model.laws.map((l) => [l.name, l]));
  const variableRef = (name: string, range: A.Range) =>
    add(name, 'variable', range, false, computed.has(name) ? { computed: true } : {});
  const exprNames = (e: A.Expr | undefined, visit: (r: A.NameRef) => void) => {
    if (!e) return;
    switch (e.kind) {
      case 'NameRef':
        visit(e);
        break;
      case 'Unary':
        exprNames(e.operand, visit);
        break;
      case 'Binary':
        exprNames(e.left, visit);
        exprNames(e.right, visit);
        break;
      case 'Call':
        e.args.forEach((a) => exprNames(a, visit));
        break;
    }
  };
  const varsIn = (e: A.Expr | undefined) =>
    exprNames(e, (r) => {
      if (r.name !== 'inf') variableRef(r.name, r.range);
    });
  const subject = (name: A.Name | undefined) => {
    if (!name) return;
    if (isoflops.has(name.text) && !laws.has(name.text)) add(name.text, 'isoflop', name.range, false);
    else add(name.text, 'law', name.range, false);
  };
  const sources = (f: A.FitClause) => f.sources.forEach((src) => add(src.text, 'dataset', src.range, false));

  // Pass 2: every occurrence.
  for (const s of statements) {
    switch (s.kind) {
      case 'Compute':
        if (s.name) add(s.name.text, 'variable', s.name.range, true, { computed: true });
        varsIn(s.formula);
        break;
      case 'Dataset':
        if (s.name) add(s.name.text, 'dataset', s.name.range, true);
        for (const m of s.columns) {
          add(m.variable.text, 'variable', m.variable.range, true);
          if (m.column.kind === 'Name') add(m.column.text, 'column', m.column.range, false);
        }
        for (const w of s.where)
          exprNames(w, (r) =>
            variables.has(r.name) ? variableRef(r.name, r.range) : add(r.name, 'column', r.range, false),
          );
        break;
      case 'Runs':
        if (s.name) add(s.name.text, 'dataset', s.name.range, true);
        for (const h of s.header) add(h.text, 'variable', h.range, true);
        break;
      case 'Law': {
        if (!s.name) break;
        const lawName = s.name.text;
        add(lawName, 'law', s.name.range, true);
        if (s.target) variableRef(s.target.text, s.target.range);
        const clauses = s.body.filter((b): b is A.ParamClause => b.kind === 'Param');
        const b = bound.get(lawName);
        const isCatalogueCall = !s.target && s.formula?.kind === 'Call' && catalogue.has(s.formula.callee.text);
        const paramNames = new Set<string>(b ? b.params.map((p) => p.name) : clauses.map((c) => c.name.text));
        if (isCatalogueCall && s.formula?.kind === 'Call') {
          add(s.formula.callee.text, 'catalogue', s.formula.callee.range, false);
          varsIn(s.formula);
          for (const p of catalogue.get(s.formula.callee.text)!.params) paramNames.add(p.name);
        } else {
          exprNames(s.formula, (r) => {
            if (r.name === 'inf') return;
            if (paramNames.has(r.name) || (!variables.has(r.name) && !b)) {
              paramNames.add(r.name);
              add(r.name, 'parameter', r.range, false, { scope: lawName });
            } else variableRef(r.name, r.range);
          });
        }
        params.set(lawName, [...paramNames]);
        for (const item of s.body) {
          if (item.kind === 'Fit') sources(item);
          else if (item.kind === 'Holdout') varsIn(item.condition);
          else if (item.kind === 'Weight') varsIn(item.expr);
          else if (item.kind === 'Param') add(item.name.text, 'parameter', item.name.range, true, { scope: lawName });
          else if (item.kind === 'Shared') {
            for (const n of item.names)
              if (paramNames.has(n.text)) add(n.text, 'parameter', n.range, false, { scope: lawName });
          } else if (item.kind === 'Uncertainty' && item.by) add(item.by.text, 'column', item.by.range, false);
        }
        break;
      }
      case 'Isoflop':
        if (s.name) add(s.name.text, 'isoflop', s.name.range, true);
        for (const item of s.items) {
          if (item.kind === 'Fit') sources(item);
          else if (item.kind === 'IsoflopSetting' && item.variable)
            variableRef(item.variable.text, item.variable.range);
          else if (item.kind === 'Holdout') varsIn(item.condition);
          else if (item.kind === 'Uncertainty' && item.by) add(item.by.text, 'column', item.by.range, false);
        }
        break;
      case 'Sweep':
        for (const item of s.items) {
          if (item.kind === 'Fit') sources(item);
          else if (item.kind === 'SweepSetting' && item.variable) variableRef(item.variable.text, item.variable.range);
          else if (item.kind === 'Holdout') varsIn(item.condition);
        }
        break;
      case 'Predict':
        if (s.law) add(s.law.text, 'law', s.law.range, false);
        for (const a of s.at) {
          variableRef(a.variable.text, a.variable.range);
          varsIn(a.value);
        }
        break;
      case 'Optimize':
        if (s.law) add(s.law.text, 'law', s.law.range, false);
        for (const a of s.budget) {
          variableRef(a.variable.text, a.variable.range);
          varsIn(a.value);
        }
        break;
      case 'Frontier':
        if (s.law) add(s.law.text, 'law', s.law.range, false);
        if (s.variable) variableRef(s.variable.text, s.variable.range);
        break;
      case 'Plan':
        if (s.law) add(s.law.text, 'law', s.law.range, false);
        for (const a of s.point) {
          variableRef(a.variable.text, a.variable.range);
          varsIn(a.value);
        }
        if (s.budget) varsIn(s.budget);
        break;
      case 'Compare':
        for (const law of s.laws) add(law.text, 'law', law.range, false);
        if (s.by && variables.has(s.by.text)) variableRef(s.by.text, s.by.range);
        else if (s.by) add(s.by.text, 'column', s.by.range, false);
        break;
      case 'Plot':
        subject(s.subject);
        for (const n of [s.y, s.x, s.by]) if (n) variableRef(n.text, n.range);
        break;
    }
  }
  // A formula parameter without a `param` line is declared by its first use in the formula.
  for (const [law, names] of params) {
    for (const name of names) {
      const own = occurrences.filter((o) => o.kind === 'parameter' && o.scope === law && o.name === name);
      if (own.length > 0 && !own.some((o) => o.declaration)) own[0].declaration = true;
    }
  }
  occurrences.sort((a, b) => a.range.start - b.range.start);
  return { occurrences, variables, params, laws, isoflops, datasets };
}

/** The occurrence under an offset (touching its end counts, as editors expect for a cursor after a word). */
export function occurrenceAt(index: SymbolIndex, offset: number): Occurrence | undefined {
  let best: Occurrence | undefined;
  for (const o of index.occurrences) {
    if (o.range.start > offset) break;
    if (offset <= o.range.end && (!best || o.range.start >= best.range.start)) best = o;
  }
  return best;
}

/** Whether two occurrences name the same symbol. Laws, isoflops and datasets share one namespace. */
function sameSymbol(a: Occurrence, b: Occurrence): boolean {
  if (a.name !== b.name) return false;
  const group = (k: SymbolKind) => (k === 'law' || k === 'isoflop' || k === 'dataset' ? 'decl' : k);
  if (group(a.kind) !== group(b.kind)) return false;
  if (a.kind === 'parameter') return a.scope === b.scope;
  return true;
}

export function occurrencesOf(index: SymbolIndex, target: Occurrence): Occurrence[] {
  return index.occurrences.filter((o) => sameSymbol(o, target));
}

/** The statement containing an offset. */
export function statementAt(analysis: Analysis, offset: number): A.Statement | undefined {
  for (const s of analysis.parsed.file.statements) if (s.range.start <= offset && offset <= s.range.end) return s;
  return undefined;
}
