// The player page: one stream, its facts from the server, and a delivery switch (HTTP-FLV, WebSocket-FLV, HLS).
import { fetchStream, streamPath, type StreamInfo } from './api.ts';
import { el } from './dom.ts';
import type { EngineKind } from './engine.ts';
import { describeAudio, describeLatency, describeVideo, describeViewers, formatBitrate, formatUptime } from './format.ts';
import { isPlaybackMode, LivePlayer, type PlaybackMode, type PlaybackStatus, type StreamUrls } from './live-player.ts';

const INFO_REFRESH_MS = 2000;
const LOG_LINES = 200;

const MODE_LABELS: Readonly<Record<PlaybackMode, string>> = { flv: 'HTTP-FLV', ws: 'WebSocket-FLV', hls: 'HLS' };

const ENGINE_LABELS: Readonly<Record<EngineKind, string>> = {
  'flv-http': 'mpegts.js, HTTP-FLV',
  'flv-ws': 'mpegts.js, WebSocket-FLV',
  'hls.js': 'hls.js, HLS',
  'native-hls': 'browser HLS',
};

export function streamUrls(app: string, name: string, origin: string): StreamUrls {
  const base = `${origin}/${streamPath(app, name)}`;
  return { flvHttp: `${base}.flv`, flvWs: `${base}.flv`.replace(/^http/, 'ws'), hls: `${base}.m3u8` };
}

function fact(label: string, className: string): [HTMLElement, HTMLElement] {
  return [el('dt', {}, label), el('dd', { class: className }, '—')];
}

function modeSwitch(current: PlaybackMode, onChange: (mode: PlaybackMode) => void): HTMLElement {
  const options = (Object.keys(MODE_LABELS) as PlaybackMode[]).map((mode) => {
    const input = el('input', { type: 'radio', name: 'mode', value: mode, checked: mode === current });
    input.addEventListener('change', () => onChange(mode));
    return el('label', {}, input, MODE_LABELS[mode]);
  });
  return el('fieldset', { class: 'mode-switch' }, el('legend', {}, 'Delivery'), ...options);
}

export function renderPlayerPage(root: HTMLElement, app: string, name: string): void {
  const title = `${app}/${name}`;
  document.title = `${title} · livelink`;
  const params = new URLSearchParams(location.search);
  const requested = params.get('mode');
  const mode: PlaybackMode = isPlaybackMode(requested) ? requested : 'flv';

  const video = el('video', { controls: true, playsinline: true, autoplay: true, 'aria-label': `Live video ${title}` });
  const overlay = el('div', { class: 'overlay' }, 'Connecting…');
  const stage = el('div', { class: 'stage', 'data-state': 'connecting' }, video, overlay);
  const badge = el('span', { class: 'badge' }, '…');
  const [videoDt, videoDd] = fact('Video', 'fact-video');
  const [audioDt, audioDd] = fact('Audio', 'fact-audio');
  const [bitrateDt, bitrateDd] = fact('Bitrate', 'fact-bitrate');
  const [viewersDt, viewersDd] = fact('Viewers', 'fact-viewers');
  const [uptimeDt, uptimeDd] = fact('Live for', 'fact-uptime');
  const [engineDt, engineDd] = fact('Player', 'fact-engine');
  const [bufferDt, bufferDd] = fact('Buffer', 'fact-buffer');
  const [latencyDt, latencyDd] = fact('Latency', 'fact-latency');
  const log = el('pre', { class: 'log' });
  const logLines: string[] = [];
  const appendLog = (message: string) => {
    logLines.push(`${new Date().toISOString().slice(11, 23)} ${message}`);
    if (logLines.length > LOG_LINES) logLines.shift();
    log.textContent = logLines.join('\n');
  };

  let info: StreamInfo | undefined;
  const player = new LivePlayer({
    video,
    urls: streamUrls(app, name, location.origin),
    mode,
    tracks: () => info && { hasAudio: info.audio !== null, hasVideo: info.video !== null },
    onStatus: (status) => showStatus(status),
    onLog: appendLog,
  });

  const switchMode = (next: PlaybackMode) => {
    const url = new URL(location.href);
    url.searchParams.set('mode', next);
    history.replaceState(null, '', url);
    appendLog(`switching to ${MODE_LABELS[next]}`);
    player.setMode(next);
  };

  root.replaceChildren(
    el(
      'section',
      { class: 'player-page' },
      el('p', { class: 'back' }, el('a', { href: '/' }, '← All streams')),
      el('h1', {}, title, ' ', badge),
      stage,
      el('div', { class: 'toolbar' }, modeSwitch(mode, switchMode)),
      el(
        'dl',
        { class: 'facts' },
        videoDt, videoDd, audioDt, audioDd, bitrateDt, bitrateDd, viewersDt, viewersDd,
        uptimeDt, uptimeDd, engineDt, engineDd, bufferDt, bufferDd, latencyDt, latencyDd,
      ),
      el('details', { class: 'log-panel' }, el('summary', {}, 'Player log'), log),
    ),
  );

  function showStatus(status: PlaybackStatus): void {
    stage.dataset.state = status.state;
    stage.dataset.engine = status.engine ?? '';
    stage.dataset.connections = String(status.connections);
    const retry = status.retryInMs === undefined ? '' : ` Reconnecting in ${(status.retryInMs / 1000).toFixed(1)} s…`;
    overlay.textContent = `${status.message}${retry}`;
    overlay.hidden = status.state === 'playing' || status.state === 'paused';
    const engine = status.engine ? ENGINE_LABELS[status.engine] : 'not connected';
    const reconnects = status.connections > 1 ? `, ${status.connections - 1} reconnects` : '';
    engineDd.textContent = `${engine}${reconnects}`;
    engineDd.title = status.fallback ? `Fallback: ${status.fallback}` : '';
    bufferDd.textContent = status.bufferSeconds === undefined ? '—' : `${status.bufferSeconds.toFixed(1)} s`;
    stage.dataset.latency = status.latency?.seconds.toFixed(3) ?? '';
    latencyDd.textContent = status.latency ? describeLatency(status.latency) : '—';
  }

  function showInfo(stream: StreamInfo | undefined): void {
    const live = stream?.publishing === true;
    badge.textContent = live ? 'LIVE' : 'OFFLINE';
    badge.className = live ? 'badge live' : 'badge offline';
    videoDd.textContent = stream ? describeVideo(stream.video) : '—';
    audioDd.textContent = stream ? describeAudio(stream.audio) : '—';
    bitrateDd.textContent = stream ? formatBitrate(stream.bitrateKbps) : '—';
    viewersDd.textContent = stream ? describeViewers(stream.players) : '—';
    uptimeDd.textContent = stream ? formatUptime(stream.startedAt, Date.now()) : '—';
  }

  const refreshInfo = async () => {
    try {
      info = await fetchStream(app, name);
      showInfo(info);
    } catch (error) {
      appendLog(`stream info: ${(error as Error).message}`);
    }
  };

  // The first answer tells the player which tracks to expect; playback starts either way.
  void refreshInfo().then(() => {
    player.start();
    setInterval(refreshInfo, INFO_REFRESH_MS);
  });
  // Leaving closes the stream connection at once; a page restored from the back/forward cache reconnects.
  window.addEventListener('pagehide', () => player.destroy());
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) player.start();
  });
}
