// The stream list: what is live now, refreshed every two seconds.
import { fetchStreams, streamPath, type StreamInfo } from './api.ts';
import { el } from './dom.ts';
import { describeAudio, describeVideo, describeViewers, formatBitrate, formatUptime } from './format.ts';

const REFRESH_MS = 2000;

function streamCard(stream: StreamInfo, now: number): HTMLElement {
  const title = `${stream.app}/${stream.name}`;
  return el(
    'li',
    { class: 'stream-card', 'data-stream': title },
    el(
      'a',
      { href: `/play/${streamPath(stream.app, stream.name)}` },
      el('div', { class: 'stream-title' }, el('span', { class: 'live-dot', 'aria-hidden': 'true' }), title),
      el(
        'dl',
        { class: 'facts' },
        el('dt', {}, 'Video'), el('dd', { class: 'fact-video' }, describeVideo(stream.video)),
        el('dt', {}, 'Audio'), el('dd', { class: 'fact-audio' }, describeAudio(stream.audio)),
        el('dt', {}, 'Bitrate'), el('dd', { class: 'fact-bitrate' }, formatBitrate(stream.bitrateKbps)),
        el('dt', {}, 'Viewers'), el('dd', { class: 'fact-viewers' }, describeViewers(stream.players)),
        el('dt', {}, 'Live for'), el('dd', { class: 'fact-uptime' }, formatUptime(stream.startedAt, now)),
      ),
    ),
  );
}

function emptyState(): HTMLElement {
  const publishUrl = `rtmp://${location.hostname}/live/STREAM`;
  return el(
    'div',
    { class: 'empty' },
    el('p', { class: 'empty-title' }, 'Nothing is live right now.'),
    el('p', {}, 'Publish a stream and it shows up here within seconds, for example:'),
    el('pre', {}, `ffmpeg -re -i input.mp4 -c:v libx264 -c:a aac -f flv ${publishUrl}`),
  );
}

export function renderHomePage(root: HTMLElement): void {
  document.title = 'Live streams · livelink';
  const count = el('span', { class: 'count' });
  const problem = el('p', { class: 'problem', role: 'alert', hidden: true });
  const list = el('ul', { class: 'stream-list', 'aria-live': 'polite' });
  root.replaceChildren(
    el('section', { class: 'home' }, el('h1', {}, 'Live streams ', count), problem, list),
  );

  let timer: ReturnType<typeof setTimeout> | undefined;
  let refreshing = false;
  const refresh = async () => {
    if (refreshing) return;
    refreshing = true;
    clearTimeout(timer);
    try {
      const streams = (await fetchStreams()).filter((stream) => stream.publishing);
      const now = Date.now();
      count.textContent = streams.length > 0 ? `(${streams.length})` : '';
      list.replaceChildren(
        ...(streams.length > 0 ? streams.map((stream) => streamCard(stream, now)) : [el('li', { class: 'empty-item' }, emptyState())]),
      );
      list.dataset.loaded = 'true';
      problem.hidden = true;
    } catch (error) {
      // Keep the last good list on screen: a restarting server should not blank the page.
      problem.textContent = `Cannot refresh the list: ${(error as Error).message}. Retrying…`;
      problem.hidden = false;
    } finally {
      refreshing = false;
    }
    // A hidden tab does not poll; it refreshes as soon as it is shown again.
    if (!document.hidden) timer = setTimeout(refresh, REFRESH_MS);
  };
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) void refresh();
  });
  void refresh();
}
