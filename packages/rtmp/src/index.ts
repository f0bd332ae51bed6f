export * from './errors.ts';
export * from './handshake/index.ts';
