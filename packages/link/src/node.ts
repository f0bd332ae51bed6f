// Node-only additions to '@livelink/link': the TCP long-link transport.
export { parseTcpAddress, tcpTransport } from './transport/tcp.ts';
