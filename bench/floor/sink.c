/*
 * The players of bench/floor: PLAYERS connections that read and discard until SECONDS have passed
 * (epoll, non-blocking reads into one buffer), so the writer measures its own send path. Prints
 * one JSON line with its CPU.
 *
 *   sink PORT PLAYERS SECONDS
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: sink PORT PLAYERS SECONDS\n");
    return 2;
  }
  int port = atoi(argv[1]), players = atoi(argv[2]);
  double seconds = atof(argv[3]);
  int poller = epoll_create1(0);
  for (int i = 0; i < players; i++) {
    int connection = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    // The writer may still be starting: the first connection retries for up to 3 s.
    int tries = i == 0 ? 300 : 1;
    while (connect(connection, (struct sockaddr *)&address, sizeof address) != 0) {
      if (--tries == 0) {
        perror("sink: connect");
        return 1;
      }
      usleep(10000);
    }
    fcntl(connection, F_SETFL, O_NONBLOCK);
    struct epoll_event interest = {.events = EPOLLIN, .data.fd = connection};
    epoll_ctl(poller, EPOLL_CTL_ADD, connection, &interest);
  }
  static char buffer[1 << 16];
  struct epoll_event ready[256];
  long received = 0;
  double start = now_ms();
  while (now_ms() - start < seconds * 1e3) {
    int count = epoll_wait(poller, ready, 256, 100);
    for (int i = 0; i < count; i++) {
      ssize_t n;
      while ((n = read(ready[i].data.fd, buffer, sizeof buffer)) > 0) received += n;
    }
  }
  double elapsed = now_ms() - start;
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  double cpu = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
  printf("{\"cpuPercent\":%.1f,\"megabitsPerSecond\":%.0f}\n", cpu / elapsed * 100, received * 8 / elapsed / 1e3);
  return 0;
}
