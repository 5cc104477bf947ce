// Allocates and touches that many bytes (default 64 MB), then sleeps.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  size_t bytes = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 64u << 20;
  char* p = static_cast<char*>(std::malloc(bytes));
  if (!p) return 1;
  std::memset(p, 1, bytes);  // touch every page so it counts in RSS
  std::fprintf(stderr, "helper_memhog: holding %zu bytes\n", bytes);
  for (;;) pause();
}
