// Completion in context: keywords for the block the cursor is in (top level, law, isoflop,
// dataset), catalogue laws after `law NAME:`, variables and parameters in formulas, datasets after
// `fit`, laws after `predict`/`optimize`/`plot`, and a dataset's file columns after `VAR:` and in `where`.
import { PUBLISHED } from '../core/laws/published';
import { nameOrString } from '../core/syntax/lexer';
import type { CompletionItem } from 'vscode-languageserver';
import { CompletionItemKind, InsertTextFormat } from 'vscode-languageserver';
import type * as A from '../core/syntax/ast';
import type { Analysis } from '../core/study';
import { catalogue } from '../core/laws';
import { exprToString } from '../core/semantics/evaluate';
import { lex, type Token } from '../core/syntax/lexer';
import {
  DATA_FORMATS,
  ENVELOPE_KEYWORDS,
  ISOFLOP_KEYWORDS,
  LAW_KEYWORDS,
  MINIMUM_METHODS,
  SWEEP_KEYWORDS,
  TOP_LEVEL_KEYWORDS,
} from '../core/syntax/parser';
import { symbolIndex } from './symbolIndex';

interface CompletionContext {
  /** The header of a dataset's file (the server reads it through the cached DataLoader). */
  columns?: (dataset: A.DatasetDecl) => string[];
}

const tokenCache = new WeakMap<Analysis, Token[]>();
function tokensOf(analysis: Analysis): Token[] {
  let t = tokenCache.get(analysis);
  if (!t) {
    t = lex(analysis.text).tokens;
    tokenCache.set(analysis, t);
  }
  return t;
}

const FUNCTIONS = ['log', 'exp', 'min', 'max'];

interface Block {
  keyword: string;
  open: number; // offset of `{`
}

export function completion(analysis: Analysis, offset: number, ctx: CompletionContext = {}): CompletionItem[] {
  const tokens = tokensOf(analysis);
  // Tokens strictly before the word being typed.
  const stack: Block[] = [];
  let lineFirst = 0; // index of the first token of the current line (or after `{`)
  let i = 0;
  for (; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'eof' || t.end > offset || (t.end === offset && (t.kind === 'ident' || t.kind === 'number'))) break;
    if (t.kind === 'newline') lineFirst = i + 1;
    else if (t.kind === 'punct' && t.text === '{') {
      const first = tokens[lineFirstOfLine(tokens, i)];
      stack.push({ keyword: first?.kind === 'ident' ? first.text : '', open: t.start });
      lineFirst = i + 1;
    } else if (t.kind === 'punct' && t.text === '}') {
      stack.pop();
      lineFirst = i + 1;
    }
  }
  const line = tokens.slice(lineFirst, i).filter((t) => t.kind !== 'newline');
  const words = line.map((t) => t.text);
  const block = stack[stack.length - 1];
  const index = symbolIndex(analysis);
  const items: CompletionItem[] = [];
  const seen = new Set<string>();
  const push = (label: string, kind: CompletionItemKind, detail?: string, extra: Partial<CompletionItem> = {}) => {
    if (seen.has(label)) return;
    seen.add(label);
    items.push({ label, kind, ...(detail ? { detail } : {}), ...extra });
  };
  const keywords = (list: string[]) => list.forEach((k) => push(k, CompletionItemKind.Keyword));
  const variables = () => [...index.variables].forEach((v) => push(v, CompletionItemKind.Variable, 'variable'));
  const laws = () => [...index.laws.keys()].forEach((l) => push(l, CompletionItemKind.Function, 'law'));
  const isoflops = () => [...index.isoflops.keys()].forEach((l) => push(l, CompletionItemKind.Class, 'isoflop'));
  const datasets = (exclude: string[] = []) =>
    [...index.datasets.entries()]
      .filter(([n]) => !exclude.includes(n))
      .forEach(([n, d]) => push(n, CompletionItemKind.Module, d.kind === 'Runs' ? 'runs table' : 'dataset'));
  const functions = () => FUNCTIONS.forEach((f) => push(f, CompletionItemKind.Function, 'function'));
  const computes = () =>
    analysis.model.computes.forEach((c) =>
      push(c.name, CompletionItemKind.Variable, `compute ${exprToString(c.formula)}`),
    );
  const params = (law: string) =>
    (index.params.get(law) ?? []).forEach((p) => push(p, CompletionItemKind.TypeParameter, `parameter of ${law}`));
  const after = (w: string) => words.length > 0 && words[words.length - 1] === w;
  const lawOfBlock = () => {
    const s = analysis.parsed.file.statements.find((x) => x.range.start <= block!.open && block!.open < x.range.end);
    return s?.kind === 'Law' ? s : undefined;
  };

  if (!block) {
    const first = words[0];
    if (words.length === 0) keywords(TOP_LEVEL_KEYWORDS);
    else if (first === 'law') {
      const colon = words.indexOf(':');
      const eq = words.indexOf('=');
      if (colon >= 0 && colon === words.length - 1) {
        catalogueItems(push);
        publishedItems(push);
        variables();
      } else if (eq > colon && colon >= 0) {
        const name = words[1];
        variables();
        params(name);
        functions();
        if (after('=')) catalogueItems(push);
      }
    } else if (first === 'compute') {
      if (words.includes('=')) {
        variables();
        functions();
      }
    } else if (first === 'dataset') {
      if (after('='))
        DATA_FORMATS.forEach((f) =>
          push(f, CompletionItemKind.Function, 'data format', {
            insertText: `${f}("$1")`,
            insertTextFormat: InsertTextFormat.Snippet,
          }),
        );
    } else if (first === 'predict' || first === 'optimize') {
      if (words.length === 1) laws();
      else if (words.length === 2) push(first === 'predict' ? 'at' : 'for', CompletionItemKind.Keyword);
      else if (after('at') || after(',') || after('for')) {
        const law = analysis.model.laws.find((l) => l.name === words[1]);
        if (first === 'optimize') {
          computes();
          if (law)
            push(law.target, CompletionItemKind.Variable, `a target ${law.target} to reach`, {
              insertText: `${law.target} = `,
            });
          push('inference', CompletionItemKind.Keyword, 'inference tokens served (cost 2·N per token)', {
            insertText: 'inference = ',
          });
        } else if (law)
          law.variables.forEach((v) =>
            push(v, CompletionItemKind.Variable, `variable of ${law.name}`, { insertText: `${v} = ` }),
          );
        else variables();
      }
    } else if (first === 'plan') {
      const law = analysis.model.laws.find((l) => l.name === words[1]);
      if (words.length === 1) laws();
      else if (words.length === 2) {
        push('at', CompletionItemKind.Keyword, 'sharpen a prediction: at N = …, D = …');
        push('for', CompletionItemKind.Keyword, 'sharpen an optimum: for C = …');
      } else if (after('at') || (after(',') && words[2] === 'at')) {
        if (law)
          law.variables.forEach((v) =>
            push(v, CompletionItemKind.Variable, `variable of ${law.name}`, { insertText: `${v} = ` }),
          );
        else variables();
      } else if (after('for')) computes();
      else if (words.length >= 5 && !after('=') && !after(',') && !words.includes('budget'))
        push('budget', CompletionItemKind.Keyword, 'the compute the new runs may spend, e.g. budget 3e21', {
          insertText: 'budget ',
        });
    } else if (first === 'frontier') {
      if (words.length === 1) laws();
      else if (words.length === 2) push('over', CompletionItemKind.Keyword);
      else if (after('over')) computes();
    } else if (first === 'compare') {
      if (words.length === 1 || after(',') || after(':')) laws();
      else if (after('cv')) push('by', CompletionItemKind.Keyword, 'leave one group out, e.g. cv by N');
      else if (after('by')) variables();
      else if (!words.includes('cv'))
        push('cv', CompletionItemKind.Keyword, 'cross-validation: cv K folds, or cv by COLUMN');
    } else if (first === 'plot') {
      if (words.length === 1) {
        laws();
        isoflops();
      } else if (after(':') || after('vs') || after('by')) variables();
      else if (words.length >= 3) keywords(['vs', 'by']);
    }
    return items;
  }

  if (block.keyword === 'law') {
    const law = lawOfBlock();
    const lawName = law?.name?.text ?? '';
    const first = words[0];
    if (words.length === 0) keywords(LAW_KEYWORDS);
    else if (first === 'fit') datasets(words.slice(1).filter((w) => w !== ','));
    else if (first === 'holdout' || first === 'weight') {
      const bound = analysis.model.laws.find((l) => l.name === lawName);
      if (bound) [...bound.variables, bound.target].forEach((v) => push(v, CompletionItemKind.Variable, 'variable'));
      variables();
    } else if (first === 'objective') {
      if (words.length === 1) {
        push('squares', CompletionItemKind.Keyword, 'sum of squared residuals');
        push('huber', CompletionItemKind.Keyword, 'Huber loss (Hoffmann et al.: 1e-3)', {
          insertText: 'huber(${1:1e-3})',
          insertTextFormat: InsertTextFormat.Snippet,
        });
      } else if (!words.includes('on')) push('on log', CompletionItemKind.Keyword, 'residuals of log values');
      else if (after('on')) push('log', CompletionItemKind.Keyword);
    } else if (first === 'param') {
      if (words.length === 1) {
        const declared = new Set(
          law?.body.filter((b): b is A.ParamClause => b.kind === 'Param').map((b) => b.name.text),
        );
        (index.params.get(lawName) ?? [])
          .filter((p) => !declared.has(p))
          .forEach((p) => push(p, CompletionItemKind.TypeParameter, `parameter of ${lawName}`));
      } else if (after('init')) push('grid', CompletionItemKind.Keyword, 'a grid of starting values');
      else if (words.length === 2) keywords(['in', 'init', '=']);
      else if (/[\])]/.test(words[words.length - 1] ?? '')) push('init', CompletionItemKind.Keyword);
      else if (after('..') === false && words.includes('grid') && !words.includes('by'))
        push('by', CompletionItemKind.Keyword);
      else if (words.includes('by')) push('log', CompletionItemKind.Keyword, 'grid steps through ln(param)');
    } else if (first === 'shared') {
      // Parameter names not yet listed on this line.
      (index.params.get(lawName) ?? [])
        .filter((p) => !words.includes(p))
        .forEach((p) =>
          push(p, CompletionItemKind.TypeParameter, `parameter of ${lawName}, fitted jointly across groups`),
        );
    } else if (first === 'search') {
      if (words.length === 1) {
        push('screened', CompletionItemKind.Keyword, 'optimize the best starts by their initial objective (default)');
        push('exhaustive', CompletionItemKind.Keyword, 'optimize every declared start (slower; an audit)');
      }
    } else if (first === 'uncertainty') {
      if (words.length === 1) keywords(['bootstrap', 'asymptotic', 'profile', 'none']);
      else if (after('by'))
        columnsOfLaw(analysis, lawName, ctx).forEach((c) => push(c, CompletionItemKind.Field, 'column'));
      else keywords(['seed', 'level', 'by'].filter((k) => !words.includes(k)));
    }
    return items;
  }

  if (block.keyword === 'isoflop' || block.keyword === 'envelope') {
    const first = words[0];
    if (words.length === 0) keywords(block.keyword === 'envelope' ? ENVELOPE_KEYWORDS : ISOFLOP_KEYWORDS);
    else if (first === 'fit') datasets(words.slice(1));
    else if (['budget', 'size', 'tokens', 'target', 'holdout'].includes(first)) {
      if (first === 'budget') computes();
      variables();
    } else if (first === 'minimum' && block.keyword === 'isoflop') {
      // minimum parabola [window K] [in D] | minimum akima [in D]: `in` names the size or tokens variable.
      const last = words[words.length - 1];
      if (words.length === 1) keywords(MINIMUM_METHODS);
      else if (last === 'in') {
        const iso = analysis.model.isoflops.find((i) => i.range.start <= block.open && block.open < i.range.end);
        for (const v of iso ? [iso.size, iso.tokens] : ['N', 'D']) push(v, CompletionItemKind.Variable, 'variable');
      } else if (!words.includes('in') && last !== 'window')
        keywords(words.length === 2 && last === 'parabola' ? ['window', 'in'] : ['in']);
    } else if (first === 'uncertainty' && words.length === 1) keywords(['bootstrap', 'asymptotic', 'profile', 'none']);
    return items;
  }

  if (block.keyword === 'sweep') {
    const first = words[0];
    if (words.length === 0) keywords(SWEEP_KEYWORDS);
    else if (first === 'fit') datasets(words.slice(1));
    else if (['over', 'per', 'target', 'holdout'].includes(first)) variables();
    else if (first === 'minimum') {
      if (words.length === 1) keywords(MINIMUM_METHODS);
      else if (words.length === 2 && words[1] === 'parabola') keywords(['window']);
    } else if (first === 'uncertainty' && words.length === 1) keywords(['bootstrap', 'asymptotic', 'profile', 'none']);
    return items;
  }

  if (block.keyword === 'dataset') {
    const decl = analysis.parsed.file.statements.find(
      (x): x is A.DatasetDecl => x.kind === 'Dataset' && x.range.start <= block.open && block.open < x.range.end,
    );
    const columns = decl && ctx.columns ? ctx.columns(decl) : [];
    if (words.length === 0) {
      push('where', CompletionItemKind.Keyword, 'row filter');
      push('last', CompletionItemKind.Keyword, "each run's final row: last by run [along step]");
      return items;
    }
    if (words[0] === 'last' && words.length === 1) {
      push('by', CompletionItemKind.Keyword, 'the column naming each run');
      return items;
    }
    if (
      (words.length >= 2 && words[1] === ':' && words.length === 2) ||
      words[0] === 'where' ||
      (words[0] === 'last' && (words.length === 2 || words[words.length - 1] === 'along'))
    ) {
      for (const c of columns) {
        const written = nameOrString(c);
        if (written !== undefined)
          push(c, CompletionItemKind.Field, 'column', written === c ? {} : { insertText: written });
      }
      if (words[0] === 'where')
        decl?.columns.forEach((m) => push(m.variable.text, CompletionItemKind.Variable, 'variable'));
    }
    return items;
  }
  return items;
}

function lineFirstOfLine(tokens: Token[], i: number): number {
  let j = i;
  while (j > 0 && tokens[j - 1].kind !== 'newline' && !(tokens[j - 1].kind === 'punct' && tokens[j - 1].text === '}'))
    j--;
  return j;
}

function catalogueItems(
  push: (label: string, kind: CompletionItemKind, detail?: string, extra?: Partial<CompletionItem>) => void,
): void {
  for (const entry of catalogue.values()) {
    const args = entry.formals.map((f, i) => `\${${i + 1}:${f}}`).join(', ');
    push(entry.name, CompletionItemKind.Function, `${entry.target ?? 'L'} = ${exprToString(entry.formula)}`, {
      documentation: { kind: 'markdown', value: `${entry.description}\n\n_${entry.source}_` },
      insertText: `${entry.name}(${args})`,
      insertTextFormat: InsertTextFormat.Snippet,
    });
  }
}

/** Published fits, `law NAME: published("hoffmann2022")`: one item per library entry. */
function publishedItems(
  push: (label: string, kind: CompletionItemKind, detail?: string, extra?: Partial<CompletionItem>) => void,
): void {
  for (const p of PUBLISHED.values()) {
    push(`published("${p.id}")`, CompletionItemKind.Constant, `published: L = ${p.formulaText}`, {
      documentation: { kind: 'markdown', value: `_${p.source}_\n\nverified: ${p.verification}` },
      insertText: `published("${p.id}")`,
      filterText: `published ${p.id}`,
    });
  }
}

function columnsOfLaw(analysis: Analysis, lawName: string, ctx: CompletionContext): string[] {
  const law = analysis.model.laws.find((l) => l.name === lawName);
  const out = new Set<string>();
  if (law) for (const k of law.data.text.keys()) if (!k.startsWith('$')) out.add(k);
  if (out.size === 0 && ctx.columns) {
    for (const s of analysis.parsed.file.statements)
      if (s.kind === 'Dataset') ctx.columns(s).forEach((c) => out.add(c));
  }
  return [...out];
}
