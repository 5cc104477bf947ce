// Burns one core forever.
#include <cstdio>

int main() {
  std::fprintf(stderr, "helper_cpuburn: burning\n");
  volatile unsigned long x = 0;
  for (;;) x = x * 2654435761u + 1;
}
