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
  }
}

const STATE_KEY = 'scaling-studio.webview-state';

/** Outside VS Code: state in sessionStorage (survives a reload, like setState), messages to window.__scalingPosted. */
function shim(): HostApi {
  let memory: unknown = undefined;
  const storage = (() => {
    try {
      return window.sessionStorage;
    } catch {
      return null; // file:// pages or sandboxed frames may refuse storage
    }
  })();
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
      try {
        storage?.setItem(STATE_KEY, JSON.stringify(state));
      } catch {
        // quota or privacy mode: the in-memory copy still serves this page
      }
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
