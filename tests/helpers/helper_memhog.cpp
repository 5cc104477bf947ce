// Allocates and touches that many bytes (default 64 MB), then sleeps.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  size_t bytes = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 64u << 20;
  char* p = static_cast<char*>(std::malloc(bytes));
  if (!p) return 1;
  // Touch every page so it counts in RSS (volatile: a plain memset of memory
  // never read again may be optimised away).
  volatile char* v = p;
  for (size_t i = 0; i < bytes; i += 4096) v[i] = 1;
  std::fprintf(stderr, "helper_memhog: holding %zu bytes\n", bytes);
  for (;;) pause();
}
