export * from './protocol/frame.ts';
