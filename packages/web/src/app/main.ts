// Entry point of the browser app: one bundle serves every page, routed by the path the server answered.
import { el } from './dom.ts';
import { renderHomePage } from './home-page.ts';
import { renderPlayerPage } from './player-page.ts';

const PLAYER_PATH = /^\/play\/([^/]+)\/([^/]+)\/?$/;

/** Malformed percent-encoding makes the path unroutable rather than throwing. */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function route(root: HTMLElement, pathname: string): void {
  if (pathname === '/' || pathname === '/index.html') {
    renderHomePage(root);
    return;
  }
  const player = PLAYER_PATH.exec(pathname);
  const app = player && decodeSegment(player[1]);
  const name = player && decodeSegment(player[2]);
  if (app && name) {
    renderPlayerPage(root, app, name);
    return;
  }
  document.title = 'Not found · livelink';
  root.replaceChildren(
    el('section', { class: 'not-found' }, el('h1', {}, 'Not found'), el('p', {}, el('a', { href: '/' }, 'See what is live'))),
  );
}

const root = document.getElementById('app');
if (!root) throw new Error('index.html lacks the #app element');
route(root, location.pathname);
