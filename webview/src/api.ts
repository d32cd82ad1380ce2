// The VS Code webview API, or a local stand-in for the standalone report and the test page.

import type { WebviewMessage } from '../../protocol/webview';

export interface HostApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
  readonly standalone: boolean;
}

declare function acquireVsCodeApi(): { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };

declare global {
  interface Window {
    /** Messages posted by the webview when running outside VS Code (tests read them). */
    __scalingPosted?: WebviewMessage[];
    /** Outside VS Code: the state last given to setState (tests read it). */
    __scalingSaved?: unknown;
  }
}

const STATE_KEY = 'scaling-studio.webview-state';

/**
 * Outside VS Code: state in sessionStorage (survives a reload, like setState), messages to window.__scalingPosted.
 * setState costs what VS Code's does, which serialises the state to JSON and posts the text to the workbench; the
 * text is stored when the page goes away, as writing 2 MB to sessionStorage on every save blocked the page for
 * hundreds of ms (a cost the panel in VS Code does not have, and which the webview bench then counted).
 */
function shim(): HostApi {
  let memory: unknown = undefined;
  let unstored: string | null = null;
  const storage = (() => {
    try {
      return window.sessionStorage;
    } catch {
      return null; // file:// pages or sandboxed frames may refuse storage
    }
  })();
  window.addEventListener('pagehide', () => {
    if (unstored === null) return;
    try {
      storage?.setItem(STATE_KEY, unstored);
      unstored = null;
    } catch {
      // quota or privacy mode: the state is lost with the page, as without storage
    }
  });
  window.__scalingPosted = [];
  return {
    standalone: true,
    postMessage(message) {
      window.__scalingPosted?.push(message);
      window.dispatchEvent(new CustomEvent('scaling-posted', { detail: message }));
    },
    getState() {
      if (memory !== undefined) return memory;
      try {
        const s = storage?.getItem(STATE_KEY);
        return s ? JSON.parse(s) : undefined;
      } catch {
        return undefined;
      }
    },
    setState(state) {
      memory = state;
      window.__scalingSaved = state;
      unstored = JSON.stringify(state);
    },
  };
}

export function acquireHost(): HostApi {
  if (typeof acquireVsCodeApi === 'function') {
    const api = acquireVsCodeApi();
    return {
      standalone: false,
      postMessage: (m) => api.postMessage(m),
      getState: () => api.getState(),
      setState: (s) => api.setState(s),
    };
  }
  return shim();
}
