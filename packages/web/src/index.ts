// Node-side entry of @livelink/web: building the browser app and serving it from the media server.
export { buildWebApp, DEFAULT_DIST_DIR, WebAppError, type BuildWebAppOptions, type WebAppErrorCode } from './build.ts';
export { contentTypeOf, loadWebApp, type LoadWebAppOptions, type WebApp, type WebAppFile } from './load.ts';
