/*
 * The kernel's price of fan-out, with nothing else: accepts PLAYERS connections, then writes every
 * frame of a clip to every connection at the frame's time, one write() per connection per frame
 * (frames due within MERGE_MS of the first leave in the same write), for SECONDS. No protocol, no
 * parsing, no allocation: what is left is the TCP send path a media server cannot avoid. Prints one
 * JSON line with its CPU over the run. Used by bench/floor/floor.ts; see bench/README.md.
 *
 *   writer PORT PLAYERS SECONDS MERGE_MS LOOP_MS < frames   (frames: "timestamp_ms bytes" per line;
 *   the clip loops every LOOP_MS with its timestamps continued)
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FRAMES 100000
#define MAX_WRITE (1 << 22)

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double cpu_ms(int user_only) {
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  double user = r.ru_utime.tv_sec * 1e3 + r.ru_utime.tv_usec / 1e3;
  return user_only ? user : user + r.ru_stime.tv_sec * 1e3 + r.ru_stime.tv_usec / 1e3;
}

static void sleep_until(double due) {
  double wait = due - now_ms();
  if (wait <= 0) return;
  struct timespec s = {(time_t)(wait / 1e3), (long)((wait - (long)(wait / 1e3) * 1e3) * 1e6)};
  nanosleep(&s, NULL);
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: writer PORT PLAYERS SECONDS MERGE_MS LOOP_MS < frames\n");
    return 2;
  }
  int port = atoi(argv[1]), players = atoi(argv[2]), merge_ms = atoi(argv[4]);
  double seconds = atof(argv[3]), loop_ms = atof(argv[5]);
  static int timestamp[MAX_FRAMES], bytes[MAX_FRAMES];
  int frames = 0;
  while (frames < MAX_FRAMES && scanf("%d %d", &timestamp[frames], &bytes[frames]) == 2) frames++;
  if (frames == 0) {
    fprintf(stderr, "writer: no frames on stdin\n");
    return 2;
  }

  int listener = socket(AF_INET, SOCK_STREAM, 0), on = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 4096) != 0) {
    perror("writer: listen");
    return 1;
  }
  int *connection = malloc(players * sizeof(int));
  for (int i = 0; i < players; i++) {
    connection[i] = accept(listener, NULL, NULL);
    if (connection[i] < 0) {
      perror("writer: accept");
      return 1;
    }
    // As a low-latency server must: a frame leaves now, not when an ACK comes back.
    setsockopt(connection[i], IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    fcntl(connection[i], F_SETFL, O_NONBLOCK);
  }

  static char payload[MAX_WRITE];
  memset(payload, 0x5a, sizeof payload);
  double start = now_ms(), cpu_start = cpu_ms(0), user_start = cpu_ms(1);
  long writes = 0, short_writes = 0, sent = 0;
  for (int frame = 0, loop = 0;;) {
    double due = start + loop * loop_ms + timestamp[frame];
    if (due - start > seconds * 1e3) break;
    sleep_until(due);
    int size = bytes[frame], next = frame + 1;
    while (next < frames && timestamp[next] - timestamp[frame] <= merge_ms) size += bytes[next++];
    if (size > MAX_WRITE) size = MAX_WRITE;
    for (int i = 0; i < players; i++) {
      ssize_t written = write(connection[i], payload, size);
      writes++;
      if (written < size) short_writes++;  // a reader that fell behind: counted, not retried
      if (written > 0) sent += written;
    }
    frame = next;
    if (frame >= frames) frame = 0, loop++;
  }
  double elapsed = now_ms() - start;
  printf("{\"cpuPercent\":%.1f,\"userCpuPercent\":%.1f,\"writesPerSecond\":%.0f,\"bytesPerWrite\":%.0f,\"shortWrites\":%ld,\"megabitsPerSecond\":%.0f}\n",
         (cpu_ms(0) - cpu_start) / elapsed * 100, (cpu_ms(1) - user_start) / elapsed * 100, writes / elapsed * 1e3,
         writes > 0 ? (double)sent / writes : 0, short_writes, sent * 8 / elapsed / 1e3);
  return 0;
}
