// A layer may not import this module: see the layer table in docs/architecture.md. Each layer's
// tsconfig maps the packages it must not see here, so such an import fails `npm run typecheck` too.
export declare const FORBIDDEN_BY_THE_LAYER_TABLE_IN_DOCS_ARCHITECTURE_MD: never;
