// The tasks `livelink serve` answers on its link gateway until the chat layer arrives:
// an echo (for clients to check the link end to end) and rooms (join one, say something in
// it, everyone in it gets a push). Payloads are the app's: UTF-8 JSON here.
import type { Gateway } from '@livelink/gateway';
import { TaskError } from '@livelink/gateway';

export const LinkServiceCmdids = {
  /** Answers with the request body. Short link: POST /link/echo. */
  echo: 1,
  /** Body {"room": "..."}: this long link receives the room's pushes. */
  joinRoom: 2,
  /** Body {"room": "...", "text": "..."}: pushed to the room as {"room", "from", "text"}. */
  say: 3,
  /** cmdid of the pushes a room sends. */
  roomMessage: 10001,
} as const;

const MAX_ROOM_NAME = 128;
const utf8 = new TextEncoder();
const roomGroup = (room: string) => `room:${room}`;

export function registerLinkServices(gateway: Gateway): void {
  gateway.handle(LinkServiceCmdids.echo, ({ body }) => body);
  gateway.handle(LinkServiceCmdids.joinRoom, ({ body, connection }) => {
    if (connection === null) throw new TaskError(400, 'joining a room needs a long link');
    const { room } = readJson(body);
    gateway.join(connection.id, roomGroup(roomName(room)));
  });
  gateway.handle(LinkServiceCmdids.say, ({ body, connection, userId, clientId }) => {
    const { room, text } = readJson(body);
    if (typeof text !== 'string') throw new TaskError(400, 'text must be a string');
    const message = { room: roomName(room), from: userId ?? clientId ?? `link-${connection?.id ?? 'short'}`, text };
    gateway.pushToGroup(roomGroup(message.room), LinkServiceCmdids.roomMessage, utf8.encode(JSON.stringify(message)));
  });
}

function readJson(body: Uint8Array): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(body));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // falls through to the error below
  }
  throw new TaskError(400, 'body must be a JSON object');
}

function roomName(room: unknown): string {
  if (typeof room !== 'string' || room === '' || room.length > MAX_ROOM_NAME) throw new TaskError(400, `room must be a name of 1..${MAX_ROOM_NAME} characters`);
  return room;
}
