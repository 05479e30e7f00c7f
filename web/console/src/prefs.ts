// User preferences kept in the browser: the namespace the lists are limited to ("" = all).

import { store } from './store';

const key = 'flotilla.console.namespace';

function read(): string {
  try {
    return localStorage.getItem(key) ?? '';
  } catch {
    return '';
  }
}

export const namespaceFilter = store<string>(read());

namespaceFilter.subscribe((ns) => {
  try {
    if (ns) localStorage.setItem(key, ns);
    else localStorage.removeItem(key);
  } catch {
    // storage refused (private mode): the filter lasts for the page's life
  }
});
