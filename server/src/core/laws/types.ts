// Shared shape of a catalogue entry: the binder reads the CatalogueLaw part; the engine also uses
// the closed-form optimum when one exists.
import type { CatalogueLaw } from '../model';
import { parseExpression } from '../syntax/parser';

type CatalogueParam = CatalogueLaw['params'][number];

/** Compute-optimal allocation under C = k * X * Y for a two-variable law, when a closed form exists. */
type ClosedFormOptimum = (
  params: Record<string, number>,
  budget: number,
  k: number,
) => { x: number; y: number } | undefined;

export interface CatalogueEntry extends CatalogueLaw {
  target: string;
  /** Closed-form optimum over the two formals (formals[0] = size, formals[1] = tokens). */
  optimum?: ClosedFormOptimum;
}

/** `from..to by step`, inclusive, rounded to the step's precision so 0.1 steps stay exact. */
export function grid(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  const count = Math.round((to - from) / step);
  for (let i = 0; i <= count; i++) out.push(Number((from + i * step).toPrecision(12)));
  return out;
}

/** A parameter with a grid of starts; `log` grids step through ln(param) like Hoffmann et al.'s. */
export function param(
  name: string,
  lower: number,
  upper: number,
  closed: [boolean, boolean],
  starts: number[],
  logGrid = false,
): CatalogueParam {
  return {
    name,
    lower,
    upper,
    lowerClosed: closed[0],
    upperClosed: closed[1],
    starts: logGrid ? starts.map(Math.exp) : starts,
    logGrid,
  };
}

export function formula(text: string) {
  return parseExpression(text);
}
