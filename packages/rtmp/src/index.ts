export * from './errors.ts';
export * from './handshake/index.ts';
export * from './chunk/index.ts';
export * from './message/index.ts';
export * from './session/index.ts';
